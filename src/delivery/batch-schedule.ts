import { calendarWindow } from '../core/calendar.js';
import { durationMs } from '../core/duration.js';
import { localTime } from '../rules/local-clock.js';

const MINUTE = 60_000;

/** A batch's window: the leads queued before `end` go in its batch, named after `start`. */
export interface BatchWindow {
  start: number;
  end: number;
}

/** The latest instant at or before `now` whose wall clock in `timeZone` reads `minuteOfDay`. */
function lastLocal(now: number, minuteOfDay: number, timeZone: string): number {
  let dayStart = calendarWindow('day', now, timeZone, 1).startsAt;
  for (let i = 0; i < 3; i++) {
    let at = dayStart + minuteOfDay * MINUTE;
    // a DST change earlier in the day moves the wall clock: correct once by what it reads
    at += (minuteOfDay - localTime(at, timeZone).minute) * MINUTE;
    if (at <= now) return at;
    dayStart = calendarWindow('day', dayStart - 1, timeZone, 1).startsAt;
  }
  throw new Error(`batch schedule: no ${minuteOfDay} min past midnight found before ${now} in ${timeZone}`);
}

/**
 * The window that ended last, at or before `now`: `every` windows sit on multiples of their
 * length since the epoch (so every process agrees on them); `at` windows run from one day's
 * local time to the next's, in the buyer's zone.
 */
export function lastWindow(schedule: { every?: string | undefined; at?: string | undefined }, now: number, timeZone: string): BatchWindow {
  if (schedule.every !== undefined) {
    const every = durationMs(schedule.every);
    const end = Math.floor(now / every) * every;
    return { start: end - every, end };
  }
  const [h, m] = schedule.at!.split(':').map(Number) as [number, number];
  const end = lastLocal(now, h * 60 + m, timeZone);
  return { start: lastLocal(end - 1, h * 60 + m, timeZone), end };
}
