/**
 * The NYSE trading calendar, shipped as data: full closures and 13:00 early closes for the years
 * covered. Source: NYSE Group's announcement "NYSE Group Announces 2025, 2026 and 2027 Holiday and
 * Early Closings Calendar" (Intercontinental Exchange, 2024-11-08). Extend the table when NYSE
 * publishes the next year; a date outside it is reported as not covered, never guessed.
 */

/** Dates are the exchange's own (America/New_York), as YYYY-MM-DD. */
const CLOSED: Record<string, string> = {
  '2025-01-01': "New Year's Day",
  '2025-01-20': 'Martin Luther King, Jr. Day',
  '2025-02-17': "Washington's Birthday",
  '2025-04-18': 'Good Friday',
  '2025-05-26': 'Memorial Day',
  '2025-06-19': 'Juneteenth National Independence Day',
  '2025-07-04': 'Independence Day',
  '2025-09-01': 'Labor Day',
  '2025-11-27': 'Thanksgiving Day',
  '2025-12-25': 'Christmas Day',
  '2026-01-01': "New Year's Day",
  '2026-01-19': 'Martin Luther King, Jr. Day',
  '2026-02-16': "Washington's Birthday",
  '2026-04-03': 'Good Friday',
  '2026-05-25': 'Memorial Day',
  '2026-06-19': 'Juneteenth National Independence Day',
  '2026-07-03': 'Independence Day (observed)',
  '2026-09-07': 'Labor Day',
  '2026-11-26': 'Thanksgiving Day',
  '2026-12-25': 'Christmas Day',
  '2027-01-01': "New Year's Day",
  '2027-01-18': 'Martin Luther King, Jr. Day',
  '2027-02-15': "Washington's Birthday",
  '2027-03-26': 'Good Friday',
  '2027-05-31': 'Memorial Day',
  '2027-06-18': 'Juneteenth National Independence Day (observed)',
  '2027-07-05': 'Independence Day (observed)',
  '2027-09-06': 'Labor Day',
  '2027-11-25': 'Thanksgiving Day',
  '2027-12-24': 'Christmas Day (observed)',
};

/** Early closes at 13:00 New York time. */
const EARLY_CLOSE: Record<string, string> = {
  '2025-07-03': 'the day before Independence Day',
  '2025-11-28': 'the day after Thanksgiving',
  '2025-12-24': 'Christmas Eve',
  '2026-11-27': 'the day after Thanksgiving',
  '2026-12-24': 'Christmas Eve',
  '2027-11-26': 'the day after Thanksgiving',
};

const COVERED_YEARS = [2025, 2026, 2027];
const EXCHANGE_TZ = 'America/New_York';

export type MarketDay =
  | { date: string; status: 'open' }
  | { date: string; status: 'closed'; why: string }
  | { date: string; status: 'early_close'; closes: '13:00'; why: string }
  | { date: string; status: 'not_covered' };

const ymd = new Intl.DateTimeFormat('en-CA', { timeZone: EXCHANGE_TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
const weekday = new Intl.DateTimeFormat('en-US', { timeZone: EXCHANGE_TZ, weekday: 'long' });

/** What the NYSE does on the New York date of `atMs`. */
export function nyseDay(atMs: number): MarketDay {
  const date = ymd.format(atMs);
  const day = weekday.format(atMs);
  if (day === 'Saturday' || day === 'Sunday') return { date, status: 'closed', why: day };
  if (!COVERED_YEARS.includes(Number(date.slice(0, 4)))) return { date, status: 'not_covered' };
  const holiday = CLOSED[date];
  if (holiday) return { date, status: 'closed', why: holiday };
  const early = EARLY_CLOSE[date];
  if (early) return { date, status: 'early_close', closes: '13:00', why: early };
  return { date, status: 'open' };
}

/**
 * The warning `trader run` prints before it starts a US equity venue on a day the market does not
 * keep its full session, or undefined on a regular trading day.
 */
export function calendarWarning(atMs: number): string | undefined {
  const d = nyseDay(atMs);
  switch (d.status) {
    case 'open':
      return undefined;
    case 'closed':
      return `${d.date} is not an NYSE trading day (${d.why}): the market is closed, live data will be thin or absent and the drill proves little`;
    case 'early_close':
      return `${d.date} is an NYSE early close (${d.why}): the market closes at 13:00 New York time`;
    case 'not_covered':
      return `${d.date} is outside the shipped NYSE calendar (${COVERED_YEARS[0]}–${COVERED_YEARS[COVERED_YEARS.length - 1]}): holidays and early closes are not checked`;
  }
}
