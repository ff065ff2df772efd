/** How numbers read on the pages: a dash for nothing, shares as percents. */
export const dash = '—';
export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? dash : `${(x * 100).toFixed(0)}%`);
export const num = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? dash : x.toFixed(digits));
export const ms = (x: number | null | undefined): string => (x === null || x === undefined ? dash : `≤${x} ms`);
/** A moment, short: the day and the time to the second, in the browser's locale and zone. */
export const when = (iso: string | number): string => new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
