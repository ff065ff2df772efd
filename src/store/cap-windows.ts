/**
 * The cap windows a hold is judged against, decided when the hold is taken: the hold keeps
 * the window ids, so its commit lands in the same windows even when midnight passes between
 * ping and post (DESIGN invariant 1).
 */
export interface CapWindow {
  /** stable id within the buyer, e.g. `d:2026-11-22` (the buyer's local calendar day) */
  id: string;
  /** -1: no count limit */
  maxCount: number;
  /** -1: no spend limit */
  maxSpend: number;
  /** a time after the window's end, so its counters can expire by themselves */
  expiresAt: number;
}

export interface CapRules {
  daily: number | undefined;
  dailySpendMicros: number | undefined;
  timezone: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The calendar day of `now` in `timeZone`, as YYYY-MM-DD. */
export function localDay(now: number, timeZone: string): string {
  return formatter(timeZone).format(now);
}

const TWO_DAYS = 2 * 86_400_000;

export function capWindows(rules: CapRules, now: number): CapWindow[] {
  if (rules.daily === undefined && rules.dailySpendMicros === undefined) return [];
  return [
    {
      id: `d:${localDay(now, rules.timezone)}`,
      maxCount: rules.daily ?? -1,
      maxSpend: rules.dailySpendMicros ?? -1,
      // a day is at most 25 hours long; two days from now is past its end in every zone
      expiresAt: now + TWO_DAYS,
    },
  ];
}
