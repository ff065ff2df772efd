import { describe, expect, it } from 'vitest';
import { calendarWindow, weekdayOf, type CalendarUnit, type CalendarWindow, type Weekday } from '../../src/core/calendar.js';

const HOUR = 3_600_000;
const at = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad instant in test: ${iso}`);
  return t;
};
const hoursOf = (w: CalendarWindow): number => (w.endsAt - w.startsAt) / HOUR;

// An oracle independent of the module: what Intl shows at an instant, read field by field.
const oracles = new Map<string, Intl.DateTimeFormat>();
function local(t: number, timeZone: string): { date: string; hms: string; weekday: string; offset: string } {
  let f = oracles.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
      timeZoneName: 'longOffset',
    });
    oracles.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(t)) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, hms: `${p.hour}:${p.minute}:${p.second}`, weekday: p.weekday!, offset: p.timeZoneName! };
}
const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Whether the local clock starts a window at instant t: it reads hh:00:00 or the offset changes there. */
function hourBoundary(t: number, tz: string): boolean {
  const here = local(t, tz);
  return here.hms.endsWith(':00:00') || local(t - 1, tz).offset !== here.offset;
}

/**
 * What is wrong with the window of `now`, checked against what holds for every window: it
 * contains now; its first and last instants give its id; its end and the instant before its
 * start lie in the neighbouring windows, which touch it exactly; and Intl agrees on where it
 * starts and ends. Returned as text rather than asserted one by one: the loops below check
 * thousands of windows and one `expect` per fact would dominate the run time.
 */
function problemsOf(w: CalendarWindow, unit: CalendarUnit, now: number, tz: string, weekStart: Weekday): string[] {
  const found: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) found.push(`${tz} ${unit} ${w.id} at ${new Date(now).toISOString()}: ${what}`);
  };
  check(w.startsAt <= now && now < w.endsAt, 'does not hold now');
  check(calendarWindow(unit, w.startsAt, tz, weekStart).id === w.id, 'startsAt is in another window');
  check(calendarWindow(unit, w.endsAt - 1, tz, weekStart).id === w.id, 'endsAt - 1 is in another window');
  const next = calendarWindow(unit, w.endsAt, tz, weekStart);
  check(next.id !== w.id, 'endsAt is in the same window');
  check(next.startsAt === w.endsAt, 'the next window does not start at endsAt');
  const previous = calendarWindow(unit, w.startsAt - 1, tz, weekStart);
  check(previous.id !== w.id, 'startsAt - 1 is in the same window');
  check(previous.endsAt === w.startsAt, 'the previous window does not end at startsAt');

  const first = local(w.startsAt, tz);
  const beforeFirst = local(w.startsAt - 1, tz);
  const last = local(w.endsAt - 1, tz);
  switch (unit) {
    case 'hour':
      check(w.id === `h:${new Date(w.startsAt).toISOString().slice(0, 16)}Z`, 'id is not the UTC start');
      check(hourBoundary(w.startsAt, tz), 'starts off the local hh:00 without an offset change');
      check(hourBoundary(w.endsAt, tz), 'ends off the local hh:00 without an offset change');
      check(last.offset === first.offset && last.hms.slice(0, 2) === first.hms.slice(0, 2), 'spans two local hours or offsets');
      break;
    case 'day':
      check(w.id === `d:${local(now, tz).date}`, `id is not the local date ${local(now, tz).date}`);
      check(first.date === w.id.slice(2) && beforeFirst.date !== first.date, 'does not start at the first instant of its date');
      check(last.date === first.date, 'ends on another date');
      break;
    case 'week':
      check(first.weekday === DAY_NAMES[weekStart], `starts on ${first.weekday}`);
      check(first.date === w.id.slice(2) && beforeFirst.date !== first.date, 'does not start at the first instant of its date');
      check(local(w.endsAt, tz).weekday === DAY_NAMES[weekStart], 'does not end on the start weekday');
      break;
    case 'month':
      check(first.date === `${w.id.slice(2)}-01` && beforeFirst.date !== first.date, 'does not start at the first instant of the 1st');
      check(local(now, tz).date.slice(0, 7) === w.id.slice(2), 'id is not the local month');
      check(local(w.endsAt, tz).date.endsWith('-01') && last.date.slice(0, 7) === w.id.slice(2), 'does not end at the next 1st');
      break;
  }
  return found;
}

interface Case {
  name: string;
  tz: string;
  unit: CalendarUnit;
  now: string;
  weekStart?: Weekday;
  id: string;
  start: string;
  end: string;
  hours: number;
  /** id of the window that starts at `end` */
  nextId?: string;
}

const NY = 'America/New_York';
const LONDON = 'Europe/London';
const SYDNEY = 'Australia/Sydney';
const KOLKATA = 'Asia/Kolkata';
const SANTIAGO = 'America/Santiago';
const HAVANA = 'America/Havana';
const CAIRO = 'Africa/Cairo';
const LORD_HOWE = 'Australia/Lord_Howe';
const TOKYO = 'Asia/Tokyo';

const cases: Case[] = [
  // America/New_York: spring forward 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z)
  { name: 'NY: the day before spring forward is 24 h', tz: NY, unit: 'day', now: '2026-03-07T20:00Z', id: 'd:2026-03-07', start: '2026-03-07T05:00Z', end: '2026-03-08T05:00Z', hours: 24, nextId: 'd:2026-03-08' },
  { name: 'NY: spring-forward day is 23 h', tz: NY, unit: 'day', now: '2026-03-08T12:00Z', id: 'd:2026-03-08', start: '2026-03-08T05:00Z', end: '2026-03-09T04:00Z', hours: 23, nextId: 'd:2026-03-09' },
  { name: 'NY: the 01:30 EST hour ends at 03:00 EDT (07:00Z)', tz: NY, unit: 'hour', now: '2026-03-08T06:30Z', id: 'h:2026-03-08T06:00Z', start: '2026-03-08T06:00Z', end: '2026-03-08T07:00Z', hours: 1, nextId: 'h:2026-03-08T07:00Z' },
  { name: 'NY: 03:00 EDT, right after the jump, is a whole hour', tz: NY, unit: 'hour', now: '2026-03-08T07:00Z', id: 'h:2026-03-08T07:00Z', start: '2026-03-08T07:00Z', end: '2026-03-08T08:00Z', hours: 1 },
  { name: 'NY: week from Sunday holding spring forward is 167 h', tz: NY, unit: 'week', weekStart: 0, now: '2026-03-10T12:00Z', id: 'w:2026-03-08', start: '2026-03-08T05:00Z', end: '2026-03-15T04:00Z', hours: 167, nextId: 'w:2026-03-15' },
  { name: 'NY: March is 743 h', tz: NY, unit: 'month', now: '2026-03-20T12:00Z', id: 'm:2026-03', start: '2026-03-01T05:00Z', end: '2026-04-01T04:00Z', hours: 743, nextId: 'm:2026-04' },
  // America/New_York: fall back 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z)
  { name: 'NY: fall-back day is 25 h', tz: NY, unit: 'day', now: '2026-11-01T12:00Z', id: 'd:2026-11-01', start: '2026-11-01T04:00Z', end: '2026-11-02T05:00Z', hours: 25 },
  { name: 'NY: first 01:00 (EDT) is its own hour', tz: NY, unit: 'hour', now: '2026-11-01T05:30Z', id: 'h:2026-11-01T05:00Z', start: '2026-11-01T05:00Z', end: '2026-11-01T06:00Z', hours: 1, nextId: 'h:2026-11-01T06:00Z' },
  { name: 'NY: second 01:00 (EST) is another hour', tz: NY, unit: 'hour', now: '2026-11-01T06:59:59.999Z', id: 'h:2026-11-01T06:00Z', start: '2026-11-01T06:00Z', end: '2026-11-01T07:00Z', hours: 1, nextId: 'h:2026-11-01T07:00Z' },
  { name: 'NY: week from Monday holding fall back is 169 h', tz: NY, unit: 'week', weekStart: 1, now: '2026-11-01T12:00Z', id: 'w:2026-10-26', start: '2026-10-26T04:00Z', end: '2026-11-02T05:00Z', hours: 169, nextId: 'w:2026-11-02' },
  { name: 'NY: November is 721 h', tz: NY, unit: 'month', now: '2026-11-20T12:00Z', id: 'm:2026-11', start: '2026-11-01T04:00Z', end: '2026-12-01T05:00Z', hours: 721 },
  // weeks without a change
  { name: 'NY: week from Monday, mid-week', tz: NY, unit: 'week', weekStart: 1, now: '2026-06-17T12:00Z', id: 'w:2026-06-15', start: '2026-06-15T04:00Z', end: '2026-06-22T04:00Z', hours: 168 },
  { name: 'NY: week from Sunday, mid-week', tz: NY, unit: 'week', weekStart: 0, now: '2026-06-17T12:00Z', id: 'w:2026-06-14', start: '2026-06-14T04:00Z', end: '2026-06-21T04:00Z', hours: 168 },
  { name: 'NY: week from Saturday', tz: NY, unit: 'week', weekStart: 6, now: '2026-06-17T12:00Z', id: 'w:2026-06-13', start: '2026-06-13T04:00Z', end: '2026-06-20T04:00Z', hours: 168 },
  { name: 'NY: Monday 00:00 starts the Monday week', tz: NY, unit: 'week', weekStart: 1, now: '2026-06-15T04:00Z', id: 'w:2026-06-15', start: '2026-06-15T04:00Z', end: '2026-06-22T04:00Z', hours: 168 },
  { name: 'NY: Sunday 23:59:59.999 is still the previous Monday week', tz: NY, unit: 'week', weekStart: 1, now: '2026-06-15T03:59:59.999Z', id: 'w:2026-06-08', start: '2026-06-08T04:00Z', end: '2026-06-15T04:00Z', hours: 168 },

  // Europe/London: 2026-03-29 01:00 GMT -> 02:00 BST (01:00Z); 2026-10-25 02:00 BST -> 01:00 GMT (01:00Z)
  { name: 'London: spring-forward day is 23 h', tz: LONDON, unit: 'day', now: '2026-03-29T12:00Z', id: 'd:2026-03-29', start: '2026-03-29T00:00Z', end: '2026-03-29T23:00Z', hours: 23 },
  { name: 'London: 00:30 GMT hour ends at 02:00 BST', tz: LONDON, unit: 'hour', now: '2026-03-29T00:30Z', id: 'h:2026-03-29T00:00Z', start: '2026-03-29T00:00Z', end: '2026-03-29T01:00Z', hours: 1, nextId: 'h:2026-03-29T01:00Z' },
  { name: 'London: week from Monday holding spring forward is 167 h', tz: LONDON, unit: 'week', weekStart: 1, now: '2026-03-25T12:00Z', id: 'w:2026-03-23', start: '2026-03-23T00:00Z', end: '2026-03-29T23:00Z', hours: 167, nextId: 'w:2026-03-30' },
  { name: 'London: fall-back day is 25 h', tz: LONDON, unit: 'day', now: '2026-10-25T12:00Z', id: 'd:2026-10-25', start: '2026-10-24T23:00Z', end: '2026-10-26T00:00Z', hours: 25 },
  { name: 'London: first 01:00 (BST)', tz: LONDON, unit: 'hour', now: '2026-10-25T00:15Z', id: 'h:2026-10-25T00:00Z', start: '2026-10-25T00:00Z', end: '2026-10-25T01:00Z', hours: 1 },
  { name: 'London: second 01:00 (GMT)', tz: LONDON, unit: 'hour', now: '2026-10-25T01:15Z', id: 'h:2026-10-25T01:00Z', start: '2026-10-25T01:00Z', end: '2026-10-25T02:00Z', hours: 1 },
  { name: 'London: October is 745 h', tz: LONDON, unit: 'month', now: '2026-10-10T12:00Z', id: 'm:2026-10', start: '2026-09-30T23:00Z', end: '2026-11-01T00:00Z', hours: 745 },

  // Australia/Sydney: 2026-04-05 03:00 AEDT -> 02:00 AEST (16:00Z Apr 4); 2026-10-04 02:00 AEST -> 03:00 AEDT (16:00Z Oct 3)
  { name: 'Sydney: fall-back day is 25 h', tz: SYDNEY, unit: 'day', now: '2026-04-05T02:00Z', id: 'd:2026-04-05', start: '2026-04-04T13:00Z', end: '2026-04-05T14:00Z', hours: 25 },
  { name: 'Sydney: first 02:00 (AEDT)', tz: SYDNEY, unit: 'hour', now: '2026-04-04T15:30Z', id: 'h:2026-04-04T15:00Z', start: '2026-04-04T15:00Z', end: '2026-04-04T16:00Z', hours: 1, nextId: 'h:2026-04-04T16:00Z' },
  { name: 'Sydney: second 02:00 (AEST)', tz: SYDNEY, unit: 'hour', now: '2026-04-04T16:30Z', id: 'h:2026-04-04T16:00Z', start: '2026-04-04T16:00Z', end: '2026-04-04T17:00Z', hours: 1 },
  { name: 'Sydney: week from Sunday holding fall back is 169 h', tz: SYDNEY, unit: 'week', weekStart: 0, now: '2026-04-05T02:00Z', id: 'w:2026-04-05', start: '2026-04-04T13:00Z', end: '2026-04-11T14:00Z', hours: 169 },
  { name: 'Sydney: April is 721 h', tz: SYDNEY, unit: 'month', now: '2026-04-15T00:00Z', id: 'm:2026-04', start: '2026-03-31T13:00Z', end: '2026-04-30T14:00Z', hours: 721 },
  { name: 'Sydney: spring-forward day is 23 h', tz: SYDNEY, unit: 'day', now: '2026-10-04T05:00Z', id: 'd:2026-10-04', start: '2026-10-03T14:00Z', end: '2026-10-04T13:00Z', hours: 23 },
  { name: 'Sydney: 01:30 AEST hour ends at 03:00 AEDT', tz: SYDNEY, unit: 'hour', now: '2026-10-03T15:30Z', id: 'h:2026-10-03T15:00Z', start: '2026-10-03T15:00Z', end: '2026-10-03T16:00Z', hours: 1, nextId: 'h:2026-10-03T16:00Z' },
  { name: 'Sydney: week from Monday holding spring forward is 167 h', tz: SYDNEY, unit: 'week', weekStart: 1, now: '2026-10-01T00:00Z', id: 'w:2026-09-28', start: '2026-09-27T14:00Z', end: '2026-10-04T13:00Z', hours: 167 },
  { name: 'Sydney: October is 743 h', tz: SYDNEY, unit: 'month', now: '2026-10-15T00:00Z', id: 'm:2026-10', start: '2026-09-30T14:00Z', end: '2026-10-31T13:00Z', hours: 743 },

  // month and year ends
  { name: 'Jan 31, last instant', tz: NY, unit: 'day', now: '2026-02-01T04:59:59.999Z', id: 'd:2026-01-31', start: '2026-01-31T05:00Z', end: '2026-02-01T05:00Z', hours: 24, nextId: 'd:2026-02-01' },
  { name: 'January, last instant', tz: NY, unit: 'month', now: '2026-02-01T04:59:59.999Z', id: 'm:2026-01', start: '2026-01-01T05:00Z', end: '2026-02-01T05:00Z', hours: 744, nextId: 'm:2026-02' },
  { name: 'February 2026 is 28 days', tz: NY, unit: 'month', now: '2026-02-01T05:00Z', id: 'm:2026-02', start: '2026-02-01T05:00Z', end: '2026-03-01T05:00Z', hours: 672, nextId: 'm:2026-03' },
  { name: 'Feb 28 2026 is followed by Mar 1', tz: NY, unit: 'day', now: '2026-02-28T12:00Z', id: 'd:2026-02-28', start: '2026-02-28T05:00Z', end: '2026-03-01T05:00Z', hours: 24, nextId: 'd:2026-03-01' },
  { name: 'February 2028 is 29 days', tz: NY, unit: 'month', now: '2028-02-15T12:00Z', id: 'm:2028-02', start: '2028-02-01T05:00Z', end: '2028-03-01T05:00Z', hours: 696, nextId: 'm:2028-03' },
  { name: 'Feb 29 2028 exists', tz: NY, unit: 'day', now: '2028-02-29T12:00Z', id: 'd:2028-02-29', start: '2028-02-29T05:00Z', end: '2028-03-01T05:00Z', hours: 24, nextId: 'd:2028-03-01' },
  { name: 'Feb 28 2028 is followed by Feb 29', tz: NY, unit: 'day', now: '2028-02-28T12:00Z', id: 'd:2028-02-28', start: '2028-02-28T05:00Z', end: '2028-02-29T05:00Z', hours: 24, nextId: 'd:2028-02-29' },
  { name: 'Dec 31 is followed by Jan 1', tz: TOKYO, unit: 'day', now: '2026-12-31T14:59:59.999Z', id: 'd:2026-12-31', start: '2026-12-30T15:00Z', end: '2026-12-31T15:00Z', hours: 24, nextId: 'd:2027-01-01' },
  { name: 'December is followed by next January', tz: TOKYO, unit: 'month', now: '2026-12-31T14:59:59.999Z', id: 'm:2026-12', start: '2026-11-30T15:00Z', end: '2026-12-31T15:00Z', hours: 744, nextId: 'm:2027-01' },
  { name: 'a Sunday week across the new year', tz: TOKYO, unit: 'week', weekStart: 0, now: '2026-12-31T12:00Z', id: 'w:2026-12-27', start: '2026-12-26T15:00Z', end: '2027-01-02T15:00Z', hours: 168, nextId: 'w:2027-01-03' },
  { name: 'a Monday week across the new year', tz: TOKYO, unit: 'week', weekStart: 1, now: '2026-12-31T12:00Z', id: 'w:2026-12-28', start: '2026-12-27T15:00Z', end: '2027-01-03T15:00Z', hours: 168, nextId: 'w:2027-01-04' },
  { name: 'the last hour of the year', tz: 'UTC', unit: 'hour', now: '2026-12-31T23:30Z', id: 'h:2026-12-31T23:00Z', start: '2026-12-31T23:00Z', end: '2027-01-01T00:00Z', hours: 1, nextId: 'h:2027-01-01T00:00Z' },

  // offsets that are not whole hours: the hour is the local one
  { name: 'Kolkata (+05:30): the local hour 16:00-17:00', tz: KOLKATA, unit: 'hour', now: '2026-06-15T10:45Z', id: 'h:2026-06-15T10:30Z', start: '2026-06-15T10:30Z', end: '2026-06-15T11:30Z', hours: 1, nextId: 'h:2026-06-15T11:30Z' },
  { name: 'Kolkata: day', tz: KOLKATA, unit: 'day', now: '2026-06-15T10:45Z', id: 'd:2026-06-15', start: '2026-06-14T18:30Z', end: '2026-06-15T18:30Z', hours: 24 },
  { name: 'Kolkata: 23:59:59.999 is still the day before', tz: KOLKATA, unit: 'day', now: '2026-06-14T18:29:59.999Z', id: 'd:2026-06-14', start: '2026-06-13T18:30Z', end: '2026-06-14T18:30Z', hours: 24 },
  { name: 'Kolkata: week from Monday', tz: KOLKATA, unit: 'week', weekStart: 1, now: '2026-06-15T10:45Z', id: 'w:2026-06-15', start: '2026-06-14T18:30Z', end: '2026-06-21T18:30Z', hours: 168 },
  { name: 'Kolkata: week from Sunday', tz: KOLKATA, unit: 'week', weekStart: 0, now: '2026-06-15T10:45Z', id: 'w:2026-06-14', start: '2026-06-13T18:30Z', end: '2026-06-20T18:30Z', hours: 168 },
  { name: 'Kolkata: month', tz: KOLKATA, unit: 'month', now: '2026-06-15T10:45Z', id: 'm:2026-06', start: '2026-05-31T18:30Z', end: '2026-06-30T18:30Z', hours: 720 },
  { name: 'Kathmandu (+05:45): the local hour 16:00-17:00', tz: 'Asia/Kathmandu', unit: 'hour', now: '2026-06-15T10:45Z', id: 'h:2026-06-15T10:15Z', start: '2026-06-15T10:15Z', end: '2026-06-15T11:15Z', hours: 1 },

  // zones whose clocks change at midnight (checked with Intl, tzdata 2025c)
  // America/Santiago: 2026-09-06 00:00 -04 -> 01:00 -03 (04:00Z); 2026-04-05 00:00 -03 -> 04-04 23:00 -04 (03:00Z)
  { name: 'Santiago: the day before the jump is 24 h', tz: SANTIAGO, unit: 'day', now: '2026-09-06T03:59:59.999Z', id: 'd:2026-09-05', start: '2026-09-05T04:00Z', end: '2026-09-06T04:00Z', hours: 24, nextId: 'd:2026-09-06' },
  { name: 'Santiago: no midnight on Sep 6, the day starts at 01:00 and is 23 h', tz: SANTIAGO, unit: 'day', now: '2026-09-06T12:00Z', id: 'd:2026-09-06', start: '2026-09-06T04:00Z', end: '2026-09-07T03:00Z', hours: 23 },
  { name: 'Santiago: the hour 23:00 ends at 01:00', tz: SANTIAGO, unit: 'hour', now: '2026-09-06T03:30Z', id: 'h:2026-09-06T03:00Z', start: '2026-09-06T03:00Z', end: '2026-09-06T04:00Z', hours: 1, nextId: 'h:2026-09-06T04:00Z' },
  { name: 'Santiago: a Sunday week starting at 01:00 is 167 h', tz: SANTIAGO, unit: 'week', weekStart: 0, now: '2026-09-08T12:00Z', id: 'w:2026-09-06', start: '2026-09-06T04:00Z', end: '2026-09-13T03:00Z', hours: 167 },
  { name: 'Santiago: September is 719 h', tz: SANTIAGO, unit: 'month', now: '2026-09-15T12:00Z', id: 'm:2026-09', start: '2026-09-01T04:00Z', end: '2026-10-01T03:00Z', hours: 719 },
  { name: 'Santiago: Apr 4 gets 23:00 twice and is 25 h', tz: SANTIAGO, unit: 'day', now: '2026-04-04T12:00Z', id: 'd:2026-04-04', start: '2026-04-04T03:00Z', end: '2026-04-05T04:00Z', hours: 25, nextId: 'd:2026-04-05' },
  { name: 'Santiago: first 23:00 (-03)', tz: SANTIAGO, unit: 'hour', now: '2026-04-05T02:30Z', id: 'h:2026-04-05T02:00Z', start: '2026-04-05T02:00Z', end: '2026-04-05T03:00Z', hours: 1 },
  { name: 'Santiago: second 23:00 (-04)', tz: SANTIAGO, unit: 'hour', now: '2026-04-05T03:30Z', id: 'h:2026-04-05T03:00Z', start: '2026-04-05T03:00Z', end: '2026-04-05T04:00Z', hours: 1 },
  // America/Havana: 2026-03-08 00:00 -05 -> 01:00 -04 (05:00Z); 2026-11-01 01:00 -04 -> 00:00 -05 (05:00Z): midnight twice
  { name: 'Havana: no midnight on Mar 8, the day starts at 01:00 and is 23 h', tz: HAVANA, unit: 'day', now: '2026-03-08T12:00Z', id: 'd:2026-03-08', start: '2026-03-08T05:00Z', end: '2026-03-09T04:00Z', hours: 23 },
  { name: 'Havana: Mar 7 ends where the jump is', tz: HAVANA, unit: 'day', now: '2026-03-08T04:59:59.999Z', id: 'd:2026-03-07', start: '2026-03-07T05:00Z', end: '2026-03-08T05:00Z', hours: 24, nextId: 'd:2026-03-08' },
  { name: 'Havana: Oct 31 ends at the first of two midnights', tz: HAVANA, unit: 'day', now: '2026-11-01T03:59:59.999Z', id: 'd:2026-10-31', start: '2026-10-31T04:00Z', end: '2026-11-01T04:00Z', hours: 24, nextId: 'd:2026-11-01' },
  { name: 'Havana: Nov 1 starts at the first midnight and is 25 h', tz: HAVANA, unit: 'day', now: '2026-11-01T17:00Z', id: 'd:2026-11-01', start: '2026-11-01T04:00Z', end: '2026-11-02T05:00Z', hours: 25 },
  { name: 'Havana: first 00:00 hour (-04)', tz: HAVANA, unit: 'hour', now: '2026-11-01T04:30Z', id: 'h:2026-11-01T04:00Z', start: '2026-11-01T04:00Z', end: '2026-11-01T05:00Z', hours: 1, nextId: 'h:2026-11-01T05:00Z' },
  { name: 'Havana: second 00:00 hour (-05)', tz: HAVANA, unit: 'hour', now: '2026-11-01T05:30Z', id: 'h:2026-11-01T05:00Z', start: '2026-11-01T05:00Z', end: '2026-11-01T06:00Z', hours: 1 },
  { name: 'Havana: a Sunday week from the first midnight is 169 h', tz: HAVANA, unit: 'week', weekStart: 0, now: '2026-11-04T12:00Z', id: 'w:2026-11-01', start: '2026-11-01T04:00Z', end: '2026-11-08T05:00Z', hours: 169 },
  { name: 'Havana: November is 721 h', tz: HAVANA, unit: 'month', now: '2026-11-15T10:45Z', id: 'm:2026-11', start: '2026-11-01T04:00Z', end: '2026-12-01T05:00Z', hours: 721 },
  // Africa/Cairo: 2026-04-24 00:00 +02 -> 01:00 +03 (Apr 23 22:00Z); 2026-10-29 24:00 +03 -> 23:00 +02 (21:00Z)
  { name: 'Cairo: no midnight on Apr 24, 23 h', tz: CAIRO, unit: 'day', now: '2026-04-24T12:00Z', id: 'd:2026-04-24', start: '2026-04-23T22:00Z', end: '2026-04-24T21:00Z', hours: 23 },
  { name: 'Cairo: Oct 29 gets 23:00 twice, 25 h', tz: CAIRO, unit: 'day', now: '2026-10-29T12:00Z', id: 'd:2026-10-29', start: '2026-10-28T21:00Z', end: '2026-10-29T22:00Z', hours: 25 },

  // Australia/Lord_Howe shifts by 30 minutes: 2026-04-05 02:00 +11 -> 01:30 +10:30 (15:00Z Apr 4); 2026-10-04 02:00 +10:30 -> 02:30 +11 (15:30Z Oct 3)
  { name: 'Lord Howe: 01:00 (+11) is a whole hour', tz: LORD_HOWE, unit: 'hour', now: '2026-04-04T14:30Z', id: 'h:2026-04-04T14:00Z', start: '2026-04-04T14:00Z', end: '2026-04-04T15:00Z', hours: 1, nextId: 'h:2026-04-04T15:00Z' },
  { name: 'Lord Howe: the repeated 01:30-02:00 (+10:30) is a half-hour window', tz: LORD_HOWE, unit: 'hour', now: '2026-04-04T15:10Z', id: 'h:2026-04-04T15:00Z', start: '2026-04-04T15:00Z', end: '2026-04-04T15:30Z', hours: 0.5, nextId: 'h:2026-04-04T15:30Z' },
  { name: 'Lord Howe: fall-back day is 24.5 h', tz: LORD_HOWE, unit: 'day', now: '2026-04-05T02:00Z', id: 'd:2026-04-05', start: '2026-04-04T13:00Z', end: '2026-04-05T13:30Z', hours: 24.5 },
  { name: 'Lord Howe: 01:00 (+10:30) ends at the jump to 02:30', tz: LORD_HOWE, unit: 'hour', now: '2026-10-03T15:00Z', id: 'h:2026-10-03T14:30Z', start: '2026-10-03T14:30Z', end: '2026-10-03T15:30Z', hours: 1, nextId: 'h:2026-10-03T15:30Z' },
  { name: 'Lord Howe: 02:30-03:00 (+11) is a half-hour window', tz: LORD_HOWE, unit: 'hour', now: '2026-10-03T15:45Z', id: 'h:2026-10-03T15:30Z', start: '2026-10-03T15:30Z', end: '2026-10-03T16:00Z', hours: 0.5 },
  { name: 'Lord Howe: spring-forward day is 23.5 h', tz: LORD_HOWE, unit: 'day', now: '2026-10-03T15:45Z', id: 'd:2026-10-04', start: '2026-10-03T13:30Z', end: '2026-10-04T13:00Z', hours: 23.5 },
];

describe('calendarWindow at known instants', () => {
  it.each(cases)('$name', (c) => {
    const weekStart = c.weekStart ?? 1;
    const w = calendarWindow(c.unit, at(c.now), c.tz, weekStart);
    expect(problemsOf(w, c.unit, at(c.now), c.tz, weekStart)).toEqual([]);
    expect(w).toEqual({ id: c.id, startsAt: at(c.start), endsAt: at(c.end) });
    expect(hoursOf(w)).toBe(c.hours);
    if (c.nextId !== undefined) expect(calendarWindow(c.unit, w.endsAt, c.tz, weekStart).id).toBe(c.nextId);
  });

  it('puts both repeated hours of a fall-back night in one day', () => {
    for (const [tz, first, second, day] of [
      [NY, '2026-11-01T05:30Z', '2026-11-01T06:30Z', 'd:2026-11-01'],
      [SANTIAGO, '2026-04-05T02:30Z', '2026-04-05T03:30Z', 'd:2026-04-04'],
      [HAVANA, '2026-11-01T04:30Z', '2026-11-01T05:30Z', 'd:2026-11-01'],
    ] as const) {
      expect(local(at(first), tz).hms).toBe(local(at(second), tz).hms);
      expect(calendarWindow('hour', at(first), tz, 1).id).not.toBe(calendarWindow('hour', at(second), tz, 1).id);
      expect(calendarWindow('day', at(first), tz, 1).id).toBe(day);
      expect(calendarWindow('day', at(second), tz, 1).id).toBe(day);
    }
  });

  it('returns a copy: changing it does not change later answers', () => {
    const now = at('2026-06-15T12:00Z');
    const w = calendarWindow('day', now, NY, 1);
    w.endsAt = 0;
    w.id = 'x';
    expect(calendarWindow('day', now, NY, 1)).toEqual({ id: 'd:2026-06-15', startsAt: at('2026-06-15T04:00Z'), endsAt: at('2026-06-16T04:00Z') });
  });

  it('keeps weeks of different start days apart in one zone', () => {
    const now = at('2026-06-17T12:00Z');
    const ids = [0, 1, 2, 3, 4, 5, 6].map((d) => calendarWindow('week', now, NY, d as Weekday).id);
    expect(ids).toEqual(['w:2026-06-14', 'w:2026-06-15', 'w:2026-06-16', 'w:2026-06-17', 'w:2026-06-11', 'w:2026-06-12', 'w:2026-06-13']);
  });

  it('rejects an unknown zone, a non-finite instant and a weekStart out of range', () => {
    expect(() => calendarWindow('day', Date.now(), 'America/Chicgo', 1)).toThrow(RangeError);
    expect(() => calendarWindow('day', NaN, NY, 1)).toThrow(RangeError);
    expect(() => calendarWindow('hour', Infinity, NY, 1)).toThrow(RangeError);
    expect(() => calendarWindow('week', Date.now(), NY, 7 as Weekday)).toThrow(RangeError);
    expect(() => calendarWindow('year' as CalendarUnit, Date.now(), NY, 1)).toThrow(RangeError);
  });
});

describe('calendarWindow across all of 2026', () => {
  const zones = [NY, LONDON, SYDNEY, KOLKATA, SANTIAGO, HAVANA, CAIRO, 'UTC', 'Asia/Kathmandu', 'Pacific/Chatham', LORD_HOWE];
  const from = at('2026-01-01T00:00Z');
  const to = at('2027-01-01T00:00Z');

  // Every window of the unit from the one holding `from` to the one holding `to`, each found from the previous one's end.
  function walk(unit: CalendarUnit, tz: string, weekStart: Weekday): CalendarWindow[] {
    const windows = [calendarWindow(unit, from, tz, weekStart)];
    while (windows[windows.length - 1]!.endsAt <= to) windows.push(calendarWindow(unit, windows[windows.length - 1]!.endsAt, tz, weekStart));
    return windows;
  }

  // Window lengths in hours. Changes of a whole hour make days of 23 to 25 hours. Lord Howe
  // shifts by 30 minutes; Chatham (+12:45/+13:45) shifts at 02:45 local standard time, so its
  // hours around a change are cut at 02:45 or 03:45: 45 and 15 minute windows.
  function lawfulLengths(tz: string): Record<CalendarUnit, number[]> {
    const shift = tz === LORD_HOWE ? 0.5 : 1;
    const around = (h: number) => [h - shift, h, h + shift];
    return {
      hour: tz === LORD_HOWE ? [0.5, 1] : tz === 'Pacific/Chatham' ? [0.25, 0.75, 1] : [1],
      day: around(24),
      week: around(168),
      month: [28, 29, 30, 31].flatMap((d) => around(d * 24)),
    };
  }

  it.each(zones)('%s: consecutive windows tile time, with unique ids, lawful lengths and Intl-confirmed boundaries', (tz) => {
    const lengths = lawfulLengths(tz);
    const found: string[] = [];
    for (const [unit, weekStart] of [['hour', 1], ['day', 1], ['week', 1], ['week', 0], ['week', 3], ['month', 1]] as const) {
      const windows = walk(unit, tz, weekStart);
      const ids = new Set<string>();
      for (let i = 0; i < windows.length; i++) {
        const w = windows[i]!;
        if (i > 0 && w.startsAt !== windows[i - 1]!.endsAt) found.push(`${unit} ${w.id}: does not start where ${windows[i - 1]!.id} ends`);
        if (ids.has(w.id)) found.push(`${unit} ${w.id}: id seen before`);
        ids.add(w.id);
        if (!lengths[unit].includes((w.endsAt - w.startsAt) / HOUR)) found.push(`${unit} ${w.id}: ${(w.endsAt - w.startsAt) / HOUR} h`);
        if (unit === 'hour' && !hourBoundary(w.startsAt, tz)) found.push(`${w.id}: starts off the local hh:00 without an offset change`);
        if (unit !== 'hour') {
          const first = local(w.startsAt, tz);
          if (local(w.startsAt - 1, tz).date === first.date || first.date.slice(0, w.id.length - 2) !== w.id.slice(2)) {
            found.push(`${w.id}: does not start at the first instant of its date (${first.date} ${first.hms})`);
          }
        }
      }
      // the local calendar of 2026: 365 days, 12 months
      if (unit === 'day' && windows.filter((w) => w.id.startsWith('d:2026-')).length !== 365) found.push('2026 does not have 365 days');
      if (unit === 'month' && windows.filter((w) => w.id.startsWith('m:2026-')).length !== 12) found.push('2026 does not have 12 months');
    }
    expect(found).toEqual([]);
  });

  it.each(zones)('%s: the windows of instants spread over the year hold them and agree with Intl', (tz) => {
    const found: string[] = [];
    // a step that does not divide an hour or a day, so instants land all over the clock and the week
    for (let t = from; t < to; t += 13 * HOUR + 7 * 60_000 + 13_001) {
      for (const unit of ['hour', 'day', 'month'] as const) found.push(...problemsOf(calendarWindow(unit, t, tz, 1), unit, t, tz, 1));
      const weekStart = (Math.floor(t / HOUR) % 7) as Weekday;
      found.push(...problemsOf(calendarWindow('week', t, tz, weekStart), 'week', t, tz, weekStart));
    }
    expect(found).toEqual([]);
  });

  it('has one window per hour of elapsed time in a zone with whole-hour changes', () => {
    // a repeated hour counts twice and a skipped one not at all, so 2026 holds 8760 of them
    const windows = walk('hour', NY, 1).filter((w) => w.startsAt >= from && w.endsAt <= to);
    expect(windows.length).toBe(8760);
  });
});

describe('weekdayOf', () => {
  it.each([
    ['sunday', 0],
    ['Sunday', 0],
    ['sun', 0],
    ['monday', 1],
    ['Monday', 1],
    ['MON', 1],
    ['mon', 1],
    ['Tuesday', 2],
    ['tue', 2],
    ['wednesday', 3],
    ['Wed', 3],
    ['THURSDAY', 4],
    ['thu', 4],
    ['friday', 5],
    ['fri', 5],
    ['saturday', 6],
    ['Sat', 6],
  ] as const)('%s -> %i', (name, day) => {
    expect(weekdayOf(name)).toBe(day);
  });

  it.each(['', 'funday', 'mo', 'm', 'mond', ' monday', 'lundi', '1'])('throws on %j', (name) => {
    expect(() => weekdayOf(name)).toThrow(RangeError);
  });
});
