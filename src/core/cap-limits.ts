import { calendarWindow, type CalendarUnit, type Weekday } from './calendar.js';

/** A count or spend limit per calendar window (hour, day, week, month) in the buyer's zone. */
export interface CalendarLimit {
  unit: CalendarUnit;
  /** -1: no count limit */
  maxCount: number;
  /** -1: no spend limit (micros) */
  maxSpend: number;
  /** '' for the buyer's own caps; `c:<campaign>:` for its caps in one campaign */
  prefix: string;
}

/** A limit over the last `lengthMs`, sliding. */
export interface RollingLimit {
  /** stable id within the buyer, from the config: `60m`, `c:auto:24h` */
  spec: string;
  lengthMs: number;
  maxCount: number;
  maxSpend: number;
}

/** Every rule that decides whether a buyer may take one more lead: compiled once from config. */
export interface CapRules {
  timezone: string;
  weekStart: Weekday;
  calendar: readonly CalendarLimit[];
  rolling: readonly RollingLimit[];
  /** GCRA parameters of the buyer's ping rate, or null */
  pingRate: { intervalMs: number; toleranceMs: number } | null;
}

/**
 * One calendar window of a hold, decided when the hold is taken: the hold keeps the window
 * ids, so its commit lands in the same windows even when midnight passes between ping and
 * post (ARCHITECTURE.md invariant 1).
 */
export interface CapWindow {
  /** `d:2026-11-22`, `c:auto:w:2026-11-16`, `h:2026-11-22T14:00Z`, `m:2026-11` */
  id: string;
  maxCount: number;
  maxSpend: number;
  /** when the window's counters may go: well after its end, so late commits still land */
  expiresAt: number;
}

export interface Limits {
  calendar: readonly CapWindow[];
  rolling: readonly RollingLimit[];
}

export const NO_LIMITS: Limits = Object.freeze({ calendar: [], rolling: [] });

/** Longer than any hold lives (ping_ttl and post time are bounded well below it). */
const COUNTERS_OUTLIVE_WINDOW_MS = 2 * 86_400_000;

interface Cached {
  limits: Limits;
  /** the instant the first of these windows ends */
  validUntil: number;
  validFrom: number;
}
const cache = new WeakMap<CapRules, Cached>();

/** The windows `rules` judge at `now`; the same object while no window has turned over. */
export function limitsAt(rules: CapRules, now: number): Limits {
  const hit = cache.get(rules);
  if (hit !== undefined && now >= hit.validFrom && now < hit.validUntil) return hit.limits;
  let validUntil = Infinity;
  let validFrom = -Infinity;
  const calendar: CapWindow[] = [];
  for (const l of rules.calendar) {
    const w = calendarWindow(l.unit, now, rules.timezone, rules.weekStart);
    if (w.endsAt < validUntil) validUntil = w.endsAt;
    if (w.startsAt > validFrom) validFrom = w.startsAt;
    calendar.push({ id: l.prefix + w.id, maxCount: l.maxCount, maxSpend: l.maxSpend, expiresAt: w.endsAt + COUNTERS_OUTLIVE_WINDOW_MS });
  }
  const limits: Limits = { calendar, rolling: rules.rolling };
  cache.set(rules, { limits, validUntil, validFrom });
  return limits;
}

/** true when a sale counts against the rules (a cap window), so its room must be held between ping and post */
export function counts(rules: CapRules): boolean {
  return rules.calendar.length > 0 || rules.rolling.length > 0;
}

/** true when the rules can refuse a lead or a ping (else the store need not be asked) */
export function judges(rules: CapRules): boolean {
  return rules.calendar.length > 0 || rules.rolling.length > 0 || rules.pingRate !== null;
}
