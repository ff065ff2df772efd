/**
 * Calendar windows (hour, day, week, month) in a buyer's own IANA time zone, for caps that
 * reset at local boundaries. Pure: the answer depends only on the arguments. Each zone keeps
 * one Intl.DateTimeFormat and the last window of each unit, so the hot path (many calls in the
 * same window) is a range check and no Intl work at all.
 *
 * Boundaries:
 * - day: the first instant whose local date is that date. Usually local midnight; where the
 *   clock jumps over midnight (America/Santiago, America/Havana, Africa/Cairo...) the first
 *   instant after the jump; where midnight happens twice (America/Havana in November) the first.
 * - week: the start of the day of the `weekStart` weekday; month: the start of the day of the 1st.
 * - hour: a run of the local clock within one local hour at one UTC offset. It ends at the next
 *   local hh:00 or at the next offset change, whichever comes first, so a repeated hour on a
 *   fall-back night is two windows, and a zone that shifts by 30 minutes (Australia/Lord_Howe)
 *   has 30-minute windows around its changes.
 *
 * Assumes what every zone of the current tz database satisfies: offsets are whole seconds,
 * changes happen on whole seconds, no two changes within 48 hours, no change larger than a day.
 */

import { civilFromDays, daysFromCivil, isoDate, mod } from './civil-days.js';

export type CalendarUnit = 'hour' | 'day' | 'week' | 'month';
/** 0 = Sunday ... 6 = Saturday (like Date.getDay) */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;
export interface CalendarWindow {
  /** stable id of the window, unique per unit across all time in that zone (format below) */
  id: string;
  /** first instant of the window (epoch ms) */
  startsAt: number;
  /** first instant after the window: the next boundary (epoch ms) */
  endsAt: number;
}

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

interface Zone {
  readonly format: Intl.DateTimeFormat;
  /** the local wall clock read by the last probe */
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** the last probe: its second (epoch) and the offset found there */
  probedSecond: number;
  probedOffset: number;
  /** the last window computed per unit; weeks by weekStart */
  hourWindow: CalendarWindow | undefined;
  dayWindow: CalendarWindow | undefined;
  monthWindow: CalendarWindow | undefined;
  weekWindows: (CalendarWindow | undefined)[];
}

const zones = new Map<string, Zone>();

function zoneOf(timeZone: string): Zone {
  let z = zones.get(timeZone);
  if (z === undefined) {
    z = {
      // throws a RangeError on an unknown zone, before anything is cached
      format: new Intl.DateTimeFormat('en-US', {
        timeZone,
        calendar: 'gregory',
        numberingSystem: 'latn',
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      }),
      year: 0,
      month: 0,
      day: 0,
      hour: 0,
      minute: 0,
      second: 0,
      probedSecond: NaN,
      probedOffset: 0,
      hourWindow: undefined,
      dayWindow: undefined,
      monthWindow: undefined,
      weekWindows: [],
    };
    zones.set(timeZone, z);
  }
  return z;
}

/**
 * Reads the local wall clock at `t` into the zone's fields and returns the UTC offset there
 * (local minus UTC, in ms, a whole number of seconds). Remembers the last probe, so asking
 * twice for the same second costs nothing.
 */
function probe(z: Zone, t: number): number {
  const second = Math.floor(t / SECOND);
  if (second === z.probedSecond) return z.probedOffset;
  for (const part of z.format.formatToParts(second * SECOND)) {
    switch (part.type) {
      case 'year':
        z.year = +part.value;
        break;
      case 'month':
        z.month = +part.value;
        break;
      case 'day':
        z.day = +part.value;
        break;
      case 'hour':
        z.hour = +part.value;
        break;
      case 'minute':
        z.minute = +part.value;
        break;
      case 'second':
        z.second = +part.value;
        break;
      default:
        break;
    }
  }
  const wallSeconds = daysFromCivil(z.year, z.month, z.day) * 86_400 + z.hour * 3600 + z.minute * 60 + z.second;
  z.probedSecond = second;
  z.probedOffset = (wallSeconds - second) * SECOND;
  return z.probedOffset;
}

/**
 * The first whole second in (lo, hi] whose offset is not `offsetAtLo`, given that hi's is not.
 * lo and hi are whole seconds. Bisection: only runs around an offset change.
 */
function firstChange(z: Zone, lo: number, hi: number, offsetAtLo: number): number {
  let a = lo / SECOND;
  let b = hi / SECOND;
  while (b - a > 1) {
    const m = Math.floor((a + b) / 2);
    if (probe(z, m * SECOND) === offsetAtLo) a = m;
    else b = m;
  }
  return b * SECOND;
}

/**
 * The first instant at which the local clock reads `wall` or later (`wall`: the local date and
 * time written as if it were UTC, epoch ms, whole seconds). `offset` is a guess, e.g. the offset
 * now: when the offset is the same a day before and at the candidate, no change is near and the
 * candidate is the answer (two probes).
 */
function firstInstantAtWall(z: Zone, wall: number, offset: number): number {
  const t = wall - offset;
  if (probe(z, t) === offset && probe(z, t - DAY) === offset) return t;
  // An offset change is near. Every instant that reads `wall` is within a day of it.
  const before = probe(z, wall - DAY);
  const after = probe(z, wall + DAY);
  const early = wall - before;
  // the wall time exists before the change; on a fall-back that repeats it, this is the first time
  if (probe(z, early) === before) return early;
  const late = wall - after;
  if (probe(z, late) === after) return late;
  // The clock jumps over `wall` (spring forward): the answer is the instant of the jump, in
  // (late, early]. Usually the jump starts exactly at `wall` (early) and one probe confirms it.
  if (!(late < early)) return early; // not one simple change; no tz database zone gets here
  if (probe(z, early - SECOND) === before) return early;
  return firstChange(z, late, early, before);
}

function hourWindow(z: Zone, now: number): CalendarWindow {
  const offset = probe(z, now);
  const nowSecond = Math.floor(now / SECOND) * SECOND;
  // local hh:00:00 and the next one, at the offset in force now
  const hourStart = nowSecond - (z.minute * 60 + z.second) * SECOND;
  const hourEnd = hourStart + HOUR;
  let startsAt = hourStart;
  const offsetAtStart = probe(z, hourStart);
  // the offset changed since hh:00: the window starts at the change
  if (offsetAtStart !== offset) startsAt = firstChange(z, hourStart, nowSecond, offsetAtStart);
  let endsAt = hourEnd;
  // the offset changes before the next hh:00: the window ends at the change
  if (probe(z, hourEnd - SECOND) !== offset) endsAt = firstChange(z, nowSecond, hourEnd - SECOND, offset);
  return { id: `h:${new Date(startsAt).toISOString().slice(0, 16)}Z`, startsAt, endsAt };
}

type DateUnit = 'day' | 'week' | 'month';

/** The first local date (days since 1970-01-01) of the window after the one starting on `first`. */
function nextFirst(unit: DateUnit, first: number): number {
  if (unit === 'day') return first + 1;
  if (unit === 'week') return first + 7;
  const { year, month } = civilFromDays(first);
  return month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1);
}

function previousFirst(unit: DateUnit, first: number): number {
  if (unit === 'day') return first - 1;
  if (unit === 'week') return first - 7;
  const { year, month } = civilFromDays(first);
  return month === 1 ? daysFromCivil(year - 1, 12, 1) : daysFromCivil(year, month - 1, 1);
}

function dateWindow(z: Zone, unit: DateUnit, now: number, weekStart: Weekday, timeZone: string): CalendarWindow {
  const offset = probe(z, now);
  const today = daysFromCivil(z.year, z.month, z.day);
  // 1970-01-01 was a Thursday (4)
  let first = unit === 'day' ? today : unit === 'week' ? today - mod(today + 4 - weekStart, 7) : today - (z.day - 1);
  // Normally one pass. The loop only matters if the local date ever went back across a
  // boundary (a fall-back over midnight into the previous date): such an instant belongs to the
  // window whose start it is already past, which keeps the windows tiling time with unique ids.
  for (let pass = 0; pass < 8; pass++) {
    const next = nextFirst(unit, first);
    // the end first: its probes leave the start's candidate in the probe memo
    const endsAt = firstInstantAtWall(z, next * DAY, offset);
    const startsAt = firstInstantAtWall(z, first * DAY, offset);
    if (now >= endsAt) first = next;
    else if (now < startsAt) first = previousFirst(unit, first);
    else {
      const prefix = unit === 'day' ? 'd:' : unit === 'week' ? 'w:' : 'm:';
      const date = isoDate(first);
      return { id: prefix + (unit === 'month' ? date.slice(0, -3) : date), startsAt, endsAt };
    }
  }
  throw new Error(`calendar: no ${unit} window found for ${now} in ${timeZone}`);
}

/**
 * The window of `unit` that contains `now` in `timeZone`; `weekStart` matters for weeks only.
 * Throws a RangeError on an unknown time zone, a non-finite `now` or a weekStart not in 0..6.
 */
export function calendarWindow(unit: CalendarUnit, now: number, timeZone: string, weekStart: Weekday): CalendarWindow {
  const z = zoneOf(timeZone);
  let last: CalendarWindow | undefined;
  switch (unit) {
    case 'hour':
      last = z.hourWindow;
      break;
    case 'day':
      last = z.dayWindow;
      break;
    case 'week':
      last = z.weekWindows[weekStart];
      break;
    case 'month':
      last = z.monthWindow;
      break;
    default:
      throw new RangeError(`calendar: unknown unit "${String(unit)}"`);
  }
  // the hot path: still in the window of the last call (false for NaN)
  if (last !== undefined && now >= last.startsAt && now < last.endsAt) {
    return { id: last.id, startsAt: last.startsAt, endsAt: last.endsAt };
  }
  if (!Number.isFinite(now)) throw new RangeError(`calendar: not an instant: ${now}`);
  let w: CalendarWindow;
  if (unit === 'hour') {
    w = hourWindow(z, now);
    z.hourWindow = w;
  } else if (unit === 'day') {
    w = dateWindow(z, unit, now, weekStart, timeZone);
    z.dayWindow = w;
  } else if (unit === 'month') {
    w = dateWindow(z, unit, now, weekStart, timeZone);
    z.monthWindow = w;
  } else {
    if (!Number.isInteger(weekStart) || weekStart < 0 || weekStart > 6) {
      throw new RangeError(`calendar: weekStart must be 0 (Sunday) to 6 (Saturday), got ${weekStart}`);
    }
    w = dateWindow(z, unit, now, weekStart, timeZone);
    z.weekWindows[weekStart] = w;
  }
  // a copy: the caller may change what it gets without touching the cache
  return { id: w.id, startsAt: w.startsAt, endsAt: w.endsAt };
}

const WEEKDAYS: ReadonlyMap<string, Weekday> = new Map<string, Weekday>([
  ['sunday', 0],
  ['sun', 0],
  ['monday', 1],
  ['mon', 1],
  ['tuesday', 2],
  ['tue', 2],
  ['wednesday', 3],
  ['wed', 3],
  ['thursday', 4],
  ['thu', 4],
  ['friday', 5],
  ['fri', 5],
  ['saturday', 6],
  ['sat', 6],
]);

/** 'monday', 'Monday', 'MON', 'mon'... -> 1. Full English names or their first three letters, any case. */
export function weekdayOf(name: string): Weekday {
  const day = WEEKDAYS.get(name.toLowerCase());
  if (day === undefined) throw new RangeError(`unknown weekday "${name}" (expected a day name like monday or mon)`);
  return day;
}
