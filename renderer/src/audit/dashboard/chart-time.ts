/** Chart labels for the dashboard's UTC buckets: "20 Nov", "20 Nov 14:00" (the buckets are UTC days and hours). */
const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
const HOUR = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
});

/** "20 Nov" for "2026-11-20" or any time on that UTC day. */
export function dayLabel(isoOrDay: string): string {
  const t = Date.parse(isoOrDay.length === 10 ? `${isoOrDay}T00:00:00Z` : isoOrDay);
  return Number.isNaN(t) ? isoOrDay : DAY.format(t);
}

/** "20 Nov, 14:00" for the start of a UTC hour. */
export function hourLabel(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : HOUR.format(t);
}
