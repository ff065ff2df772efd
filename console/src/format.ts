/** How numbers read on the pages: a dash for nothing, shares as percents, money with two decimals. */
export const dash = '—';
export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? dash : `${(x * 100).toFixed(0)}%`);
export const num = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? dash : x.toFixed(digits));
export const ms = (x: number | null | undefined): string => (x === null || x === undefined ? dash : `≤${x} ms`);

// Gavel names no currency (bids are in the campaign's own), so money is a number with two decimals
// and thousands grouped, never a symbol the configuration did not choose
const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
/** a count, thousands grouped */
export const count = (x: number | null | undefined): string => (x === null || x === undefined ? dash : INT.format(x));
export const money = (x: number | null | undefined): string => (x === null || x === undefined ? dash : MONEY.format(x));
/** an axis tick: short (1.2K), but exact while it is small */
export const moneyTick = (x: number): string => (Math.abs(x) >= 10_000 ? COMPACT.format(x) : Number.isInteger(x) ? String(x) : MONEY.format(x));
/** a time as the operator reads it: the browser's zone, to the minute */
export const when = (iso: string | null | undefined): string =>
  iso === null || iso === undefined ? dash : new Date(iso).toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' });
/** An error said with its stable code first, as the API gives it. */
export const said = (err: unknown): string => (err instanceof Error && 'code' in err ? `${String((err as { code: unknown }).code)}: ${err.message}` : String(err));
/** a change as a signed figure (+3, −2.50), or '' when it reads as none once formatted (0.1 + 0.2 − 0.3 is not a change) */
export const signed = (x: number, fmt: (v: number) => string): string => (fmt(Math.abs(x)) === fmt(0) ? '' : `${x > 0 ? '+' : '−'}${fmt(Math.abs(x))}`);
