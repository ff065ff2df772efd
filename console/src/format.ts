/** How numbers read on the pages: a dash for nothing, shares as percents. */
export const dash = '—';
export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? dash : `${(x * 100).toFixed(0)}%`);
export const num = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? dash : x.toFixed(digits));
export const ms = (x: number | null | undefined): string => (x === null || x === undefined ? dash : `≤${x} ms`);
/** Money as Gavel answers it (a number of the currency's units), to the cent. */
export const money = (x: number | null | undefined): string => (x === null || x === undefined ? dash : x.toFixed(2));
/** A time of the API (ISO 8601) in the reader's own zone. */
export const when = (iso: string | null | undefined): string => (iso === null || iso === undefined ? dash : new Date(iso).toLocaleString());
/** An error said with its stable code first, as the API gives it. */
export const said = (err: unknown): string => (err instanceof Error && 'code' in err ? `${String((err as { code: unknown }).code)}: ${err.message}` : String(err));
