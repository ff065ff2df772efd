/** A moment as a buyer's wall clock reads it. */
export interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  /** minutes since local midnight */
  minute: number;
}

const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const MINUTE = 60_000;

interface Zone {
  format: Intl.DateTimeFormat;
  /** the minute last read, and what it read */
  at: number;
  time: LocalTime | null;
}
const zones = new Map<string, Zone>();

/**
 * The local date, weekday and minute of `now` in `timeZone`. Many auctions ask within the same
 * minute: each zone keeps its last answer, so Intl runs once a minute per zone.
 */
export function localTime(now: number, timeZone: string): LocalTime {
  let z = zones.get(timeZone);
  if (z === undefined) {
    const format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    zones.set(timeZone, (z = { format, at: NaN, time: null }));
  }
  const at = Math.floor(now / MINUTE);
  if (z.at === at && z.time !== null) return z.time;
  const parts: Record<string, string> = {};
  for (const p of z.format.formatToParts(now)) parts[p.type] = p.value;
  const time = { date: `${parts.year}-${parts.month}-${parts.day}`, weekday: WEEKDAY[parts.weekday!]!, minute: Number(parts.hour) * 60 + Number(parts.minute) };
  z.at = at;
  z.time = time;
  return time;
}
