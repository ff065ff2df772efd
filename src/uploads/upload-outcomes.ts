import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import type { Detail } from '../core/codes.js';

/** What became of one row: sold, rejected with its code, or invalid with its problems. */
export interface RowOutcome {
  row: number;
  lead_id: string;
  outcome: 'sold' | 'rejected' | 'invalid';
  code: string;
  /** what the seller is paid, in the currency unit; sold rows only */
  price?: number;
  problems?: readonly Detail[];
}

/** The results file's columns, its first line when downloaded. */
export const RESULT_COLUMNS = ['row', 'lead_id', 'outcome', 'code', 'price', 'problems'] as const;

/** Counts of an upload's outcomes so far. */
export interface OutcomeCounts {
  done: number;
  sold: number;
  invalid: number;
  /** rejected rows by their code */
  rejected: Record<string, number>;
}

export const noCounts = (): OutcomeCounts => ({ done: 0, sold: 0, invalid: 0, rejected: {} });

export function count(c: OutcomeCounts, o: Pick<RowOutcome, 'outcome' | 'code'>): void {
  c.done++;
  if (o.outcome === 'sold') c.sold++;
  else if (o.outcome === 'invalid') c.invalid++;
  else c.rejected[o.code] = (c.rejected[o.code] ?? 0) + 1;
}

/** A row's call's answer: its HTTP status and body, as the seller calls give it (src/front/call-result.ts). */
export interface RowAnswer {
  status: number;
  body: unknown;
}

/**
 * Calls the runner tries again later instead of recording: a 503 (overloaded, the store or the
 * ledger away) is a passing state in which nothing was decided about the lead. An INTERNAL error
 * is recorded as it is, so a fault cannot hold an upload forever.
 */
export function retryable(result: RowAnswer): boolean {
  return result.status === 503;
}

/** The codes a row is `invalid` for: the lead (or its envelope) does not pass the campaign's checks. */
const INVALID = new Set(['INVALID_LEAD', 'INVALID_REQUEST', 'UPLOAD_BAD_ROW']);

/** A row's call's answer as its outcome: the answer a `POST /v1/leads` call would have had. */
export function outcomeOf(row: number, leadId: string, result: RowAnswer): RowOutcome {
  const body = result.body as { status?: string; reason?: string; price?: number; lead_id?: string; error?: { code: string; details?: Detail[] } };
  if (result.status === 200 && body.status === 'sold') return { row, lead_id: body.lead_id ?? leadId, outcome: 'sold', code: 'SOLD', price: body.price ?? 0 };
  if (result.status === 200) return { row, lead_id: body.lead_id ?? leadId, outcome: 'rejected', code: body.reason ?? 'UNKNOWN' };
  const code = body.error?.code ?? 'INTERNAL';
  if (INVALID.has(code)) return { row, lead_id: leadId, outcome: 'invalid', code, problems: body.error?.details ?? [] };
  return { row, lead_id: leadId, outcome: 'rejected', code };
}

/** A CSV cell: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function cell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function problemsText(problems: readonly Detail[] | undefined): string {
  return (problems ?? []).map((p) => `${p.path}: ${p.message}`).join('; ');
}

/** One line of the results file. */
export function resultLine(o: RowOutcome): string {
  return `${o.row},${cell(o.lead_id)},${o.outcome},${cell(o.code)},${o.price === undefined ? '' : String(o.price)},${cell(problemsText(o.problems))}\n`;
}

/**
 * Cut a results file back to its last whole line: a line a kill cut short is not a row done, and
 * is written again whole when its row runs again. A file not there yet is made empty.
 */
export async function cutToLastLine(path: string): Promise<void> {
  const fh = await open(path, 'a+');
  try {
    const { size } = await fh.stat();
    const tail = Math.min(size, MAX_LINE);
    const buf = Buffer.alloc(tail);
    await fh.read(buf, 0, tail, size - tail);
    const nl = buf.lastIndexOf(0x0a);
    const keep = nl === -1 ? size - tail : size - tail + nl + 1;
    if (keep < size) await fh.truncate(keep);
  } finally {
    await fh.close();
  }
}

/** longer than any results line: a row's problems are those of one lead */
const MAX_LINE = 1024 * 1024;

/** An upload's outcomes so far, read back from its results file (cut to its last whole line): a restart's starting point. */
export async function readOutcomes(path: string, each: (row: number) => void = () => undefined): Promise<{ counts: OutcomeCounts; lastRow: number }> {
  const counts = noCounts();
  let lastRow = 0;
  const parser = createReadStream(path).pipe(parse({ relax_column_count: true }));
  for await (const record of parser as AsyncIterable<string[]>) {
    const [row, , outcome, code] = record;
    if (outcome !== 'sold' && outcome !== 'rejected' && outcome !== 'invalid') throw new Error(`${path}: not a results line: row ${row}`);
    lastRow = Number(row);
    each(lastRow);
    count(counts, { outcome, code: code ?? '' });
  }
  return { counts, lastRow };
}
