import { z } from 'zod';
import { localTime } from './local-clock.js';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** `"08:00-18:00"`, a list of such ranges, or `closed`; `"22:00-02:00"` runs past midnight into the next day. */
const DayHours = z.union([z.literal('closed'), z.string().regex(RANGE, 'HH:MM-HH:MM'), z.array(z.string().regex(RANGE, 'HH:MM-HH:MM')).min(1).max(12)]);

/**
 * When a buyer takes leads, in its own zone (the buyer's `caps.timezone` unless given): hours
 * per weekday (a weekday not listed is open all day when `hours` is absent, closed when it is
 * given), and closed dates (YYYY-MM-DD, local).
 */
export const ScheduleSchema = z.strictObject({
  timezone: z.string().optional(),
  hours: z.partialRecord(z.enum(DAYS), DayHours).optional(),
  closed_dates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')).max(1000).default([]),
});
export type Schedule = z.infer<typeof ScheduleSchema>;

/** Open minutes per weekday as [from, to) ranges; a range past midnight is split across two days. */
function weekOf(hours: Schedule['hours']): [number, number][][] | null {
  if (hours === undefined) return null;
  const week: [number, number][][] = DAYS.map(() => []);
  DAYS.forEach((day, d) => {
    const spec = hours[day];
    if (spec === undefined || spec === 'closed') return;
    for (const r of Array.isArray(spec) ? spec : [spec]) {
      const m = RANGE.exec(r)!;
      const from = Number(m[1]) * 60 + Number(m[2]);
      const to = Number(m[3]) * 60 + Number(m[4]);
      if (to > from) week[d]!.push([from, to]);
      else {
        week[d]!.push([from, 1440]);
        week[(d + 1) % 7]!.push([0, to]);
      }
    }
  });
  return week;
}

/** Whether the buyer is open at `now`. */
export function compileSchedule(s: Schedule, defaultZone: string): (now: number) => boolean {
  const zone = s.timezone ?? defaultZone;
  const week = weekOf(s.hours);
  const closed = new Set(s.closed_dates);
  return (now) => {
    const t = localTime(now, zone);
    if (closed.has(t.date)) return false;
    if (week === null) return true;
    return week[t.weekday]!.some(([from, to]) => t.minute >= from && t.minute < to);
  };
}
