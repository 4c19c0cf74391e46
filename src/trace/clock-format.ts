/** `HH:MM:SS` in the market's time zone, the stamp of every human log line. */
export function timeOfDayFormatter(timeZone: string): (ms: number) => string {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  let cachedSecond = Number.NaN;
  let cachedText = '';
  return (ms) => {
    const second = Math.floor(ms / 1000);
    if (second !== cachedSecond) {
      cachedSecond = second;
      cachedText = format.format(ms);
    }
    return cachedText;
  };
}
