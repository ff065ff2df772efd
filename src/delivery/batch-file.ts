import { sourceValue, type Value } from '../buyers/templates/template-codec.js';
import type { Source } from '../config/template-schema.js';
import { fromMicros } from '../core/money.js';
import type { SoldLead } from '../auction/stage-parts.js';

/** How a batch's file is laid out, fixed on the batch when it is built (stored as JSON). */
export interface BatchLayout {
  format: 'csv' | 'jsonl';
  /** csv: [header, source], in the order written */
  columns?: readonly (readonly [string, Source])[];
}

/**
 * The native message a lead's columns are read from: the post's own shape (`lead.zip`, `price`,
 * `test`, `grade`, `campaign`, `ping_id`) and `sold_at`; the lead's facts (`seller`, `sub_id`,
 * `lead_id`, `ping_received_at`) come as in a request template. `post_sent_at` is the batch's
 * build time, so a re-sent file has the same bytes.
 */
function nativeOf(sale: SoldLead): Record<string, unknown> {
  return { ping_id: sale.leadId, campaign: sale.campaign, price: fromMicros(sale.priceMicros), test: sale.test, grade: sale.grade, sold_at: new Date(sale.at).toISOString(), lead: sale.lead };
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(v: Value): string {
  if (v === undefined || v === null) return '';
  const text = String(v);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A batch's bytes from its leads in file order: a function of the record alone (layout, leads,
 * build time), so a batch re-sent after a crash is the same file. CSV: a header row, then a row
 * per lead, CRLF line ends (RFC 4180). JSON lines: one object per lead, keys in a fixed order.
 */
export function renderBatch(layout: BatchLayout, sales: readonly SoldLead[], builtAt: number): Buffer {
  if (layout.format === 'jsonl') {
    const lines = sales.map((s) =>
      JSON.stringify({ lead_id: s.leadId, campaign: s.campaign, seller: s.seller, sub_id: s.subId, price: fromMicros(s.priceMicros), test: s.test, grade: s.grade, sold_at: new Date(s.at).toISOString(), lead: s.lead }),
    );
    return Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
  }
  const columns = layout.columns ?? [];
  const rows = [columns.map(([name]) => csvField(name)).join(',')];
  for (const s of sales) {
    const native = nativeOf(s);
    const facts = { seller: { id: s.seller }, subId: s.subId ?? undefined, id: s.leadId, pingReceivedAt: s.pingReceivedAt };
    rows.push(columns.map(([, source]) => csvField(sourceValue(source, native, facts, builtAt))).join(','));
  }
  return Buffer.from(rows.map((r) => `${r}\r\n`).join(''), 'utf8');
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `YYYYMMDD-HHmm` of an instant on the wall clock of `timeZone`. */
function localStamp(at: number, timeZone: string): string {
  const parts: Record<string, string> = {};
  for (const p of new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(at)) parts[p.type] = p.value;
  return `${parts.year}${parts.month}${parts.day}-${parts.hour}${parts.minute}`;
}

/**
 * `<buyer>-<YYYYMMDD-HHmm>-<seq>.<csv|jsonl>`, all from the batch's window: its start on the
 * buyer's wall clock, and `seq` the window's number within that minute (1 unless batches run
 * more often than once a minute), so two windows never share a name and the same window always
 * has the same one. The second pass of a local hour a DST change repeats counts on from 101.
 */
export function batchFileName(buyer: string, windowStart: number, everyMs: number | null, timeZone: string, format: 'csv' | 'jsonl'): string {
  const stamp = localStamp(windowStart, timeZone);
  let seq = everyMs !== null && everyMs < 60_000 ? Math.floor((windowStart % 60_000) / everyMs) + 1 : 1;
  if (localStamp(windowStart - 3_600_000, timeZone) === stamp) seq += 100;
  return `${buyer}-${stamp}-${pad(seq, 3)}.${format}`;
}

/** A batch's id: its buyer and its window's start, so building the same window again is the same batch. */
export function batchId(buyer: string, windowStart: number): string {
  return `${buyer}:${windowStart}`;
}
