/** epoch ms (a bigint parameter) to timestamptz, exactly: to_timestamp() goes through a float of seconds */
export const fromMs = (param: string): string => `('epoch'::timestamptz + ${param}::bigint * interval '1 millisecond')`;
/** timestamptz to epoch ms; the value is whole milliseconds, as it went in */
export const toMs = (column: string): string => `(extract(epoch FROM ${column}) * 1000)::bigint`;
