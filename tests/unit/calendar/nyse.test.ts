/** The shipped NYSE calendar: full closures, 13:00 early closes, weekends, and years it does not cover. */
import { describe, expect, it } from 'vitest';
import { calendarWarning, nyseDay } from '../../../src/calendar/nyse.js';

/** 09:30 New York time on a date (EST or EDT, whichever applies that day). */
const open = (date: string): number => {
  for (const offset of ['-05:00', '-04:00']) {
    const ms = Date.parse(`${date}T09:30:00${offset}`);
    const hour = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).format(ms);
    if (hour === '09:30') return ms;
  }
  throw new Error(`no 09:30 on ${date}`);
};

describe('the NYSE calendar', () => {
  it('knows a holiday: Thanksgiving 2026 is closed, and the run is warned', () => {
    expect(nyseDay(open('2026-11-26'))).toEqual({ date: '2026-11-26', status: 'closed', why: 'Thanksgiving Day' });
    expect(calendarWarning(open('2026-11-26'))).toMatch(/^2026-11-26 is not an NYSE trading day \(Thanksgiving Day\): the market is closed/);
  });

  it('knows an early close: the day after Thanksgiving 2026 closes at 13:00', () => {
    expect(nyseDay(open('2026-11-27'))).toEqual({ date: '2026-11-27', status: 'early_close', closes: '13:00', why: 'the day after Thanksgiving' });
    expect(calendarWarning(open('2026-11-27'))).toMatch(/early close .*13:00 New York time/);
  });

  it('observes a holiday that falls on a weekend on the weekday NYSE names (July 4, 2026 is a Saturday)', () => {
    expect(nyseDay(open('2026-07-03'))).toMatchObject({ status: 'closed', why: 'Independence Day (observed)' });
    expect(nyseDay(open('2026-07-04'))).toMatchObject({ status: 'closed', why: 'Saturday' });
    expect(nyseDay(open('2027-12-24'))).toMatchObject({ status: 'closed', why: 'Christmas Day (observed)' });
  });

  it('says nothing on a regular session, the runbook\'s Monday included', () => {
    expect(nyseDay(open('2025-08-25'))).toEqual({ date: '2025-08-25', status: 'open' });
    expect(calendarWarning(open('2026-11-25'))).toBeUndefined();
  });

  it('takes the date in New York: 01:00 UTC on a Friday is still Thursday, Thanksgiving, there', () => {
    expect(nyseDay(Date.parse('2026-11-27T01:00:00Z')).date).toBe('2026-11-26');
  });

  it('does not guess outside the years it ships', () => {
    expect(nyseDay(open('2028-11-23'))).toEqual({ date: '2028-11-23', status: 'not_covered' });
    expect(calendarWarning(open('2028-11-23'))).toMatch(/outside the shipped NYSE calendar \(2025–2027\)/);
  });
});
