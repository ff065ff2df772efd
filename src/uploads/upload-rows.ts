import { parse } from 'csv-parse/sync';
import type { FieldSpec } from '../config/campaign-schema.js';
import { GavelError, type Detail } from '../core/codes.js';
import { fileLines, type Line } from './upload-lines.js';

export type UploadFormat = 'csv' | 'jsonl';

/** A row of an uploaded file: its lead, or why it could not be read (an UPLOAD_BAD_ROW outcome). */
export type UploadRow = { row: number; lead: Record<string, unknown>; problems?: undefined } | { row: number; lead?: undefined; problems: Detail[] };

/**
 * The most one row (a CSV record, quoted line breaks included, or a JSON line) may take: far above
 * any lead (200 fields of at most 10,000 characters is the schema's own ceiling, and real leads are
 * well under 1 KiB), and what bounds the memory one row can cost.
 */
export const MAX_ROW_BYTES = 64 * 1024;

type Fields = Readonly<Record<string, FieldSpec>>;

/** One CSV record out of `text`, or the parser's error code (csv-parse: the project's parser, never a hand-written one). */
function csvRecord(text: string): string[] | { error: string; message: string } {
  try {
    const records = parse(text, { relax_column_count: true, skip_empty_lines: false }) as string[][];
    return records[0] ?? [];
  } catch (e) {
    return { error: (e as { code?: string }).code ?? 'CSV_ERROR', message: (e as Error).message };
  }
}

/**
 * The header of a CSV upload: every column a field of the campaign, none twice, every required
 * field there. Anything else would make every row invalid the same way, so the file is refused
 * before it starts, with each wrong column named.
 */
export function checkHeader(text: string | undefined, fields: Fields): string[] {
  if (text === undefined || text.trim() === '') throw new GavelError('UPLOAD_BAD_HEADER', 'The file is empty: its first line must be a header of field names');
  const header = csvRecord(text);
  if (!Array.isArray(header)) throw new GavelError('UPLOAD_BAD_HEADER', `The header cannot be read as CSV: ${header.message}`);
  const details: Detail[] = [];
  const seen = new Set<string>();
  header.forEach((name, i) => {
    const column = name.trim();
    if (!Object.hasOwn(fields, column)) details.push({ path: `header[${i}]`, message: `"${column.slice(0, 64)}" is not a field of the campaign` });
    else if (seen.has(column)) details.push({ path: `header[${i}]`, message: `"${column}" is named twice` });
    seen.add(column);
  });
  for (const [name, spec] of Object.entries(fields)) if (spec.required && !seen.has(name)) details.push({ path: 'header', message: `the required field "${name}" has no column` });
  if (details.length > 0) throw new GavelError('UPLOAD_BAD_HEADER', undefined, details);
  return header.map((h) => h.trim());
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/**
 * A CSV cell as the field's type takes it: a number or a boolean written as text becomes one;
 * anything else stays text, so the campaign's schema (the same check as a call's) says what is
 * wrong with it. An empty cell is a field left out.
 */
function cellValue(cell: string, spec: FieldSpec | undefined): unknown {
  if (spec === undefined) return cell;
  if (spec.type === 'integer' || spec.type === 'number') {
    const t = cell.trim();
    return NUMBER.test(t) ? Number(t) : cell;
  }
  if (spec.type === 'boolean') {
    const t = cell.trim().toLowerCase();
    return TRUE.has(t) ? true : FALSE.has(t) ? false : cell;
  }
  return cell;
}

const badRow = (row: number, message: string): UploadRow => ({ row, problems: [{ path: '(row)', message }] });

/** The rows of a CSV upload, read as a stream; a row that cannot be read is one bad row, and the file goes on. */
async function* csvRows(path: string, fields: Fields): AsyncGenerator<UploadRow> {
  const lines = fileLines(path, MAX_ROW_BYTES);
  const next = async (): Promise<Line | undefined> => {
    const r = await lines.next();
    return r.done === true ? undefined : r.value;
  };
  let header: string[] | null = null;
  let row = 0;
  /** lines read ahead while a quoted field was followed past a line break, to be read again */
  const again: Line[] = [];
  for (;;) {
    const line = again.shift() ?? (await next());
    if (line === undefined) return;
    if (line.tooLong) {
      if (header === null) throw new GavelError('UPLOAD_BAD_HEADER', `The header line is over ${MAX_ROW_BYTES} bytes`);
      yield badRow(++row, `the row is over ${MAX_ROW_BYTES} bytes`);
      continue;
    }
    if (line.text.trim() === '') continue;
    if (header === null) {
      header = checkHeader(line.text, fields);
      continue;
    }
    // a quoted field may hold line breaks: the record is followed onto the next lines, up to the row limit
    let text = line.text;
    let record = csvRecord(text);
    const taken: Line[] = [];
    while (!Array.isArray(record) && record.error === 'CSV_QUOTE_NOT_CLOSED') {
      const more = again.shift() ?? (await next());
      if (more === undefined || more.tooLong || text.length + more.text.length + 1 > MAX_ROW_BYTES) {
        if (more !== undefined) taken.push(more);
        break;
      }
      taken.push(more);
      text = `${text}\n${more.text}`;
      record = csvRecord(text);
    }
    row++;
    if (!Array.isArray(record)) {
      // the record never closed: this line alone is the bad row, and the lines after it are rows of their own
      again.unshift(...taken);
      yield badRow(row, `the row cannot be read as CSV: ${record.message}`);
      continue;
    }
    if (record.length > header.length) {
      yield badRow(row, `${record.length} cells where the header has ${header.length}`);
      continue;
    }
    const lead: Record<string, unknown> = {};
    for (let i = 0; i < record.length; i++) {
      const cell = record[i]!;
      if (cell === '') continue;
      const name = header[i]!;
      lead[name] = cellValue(cell, fields[name]);
    }
    yield { row, lead };
  }
}

/** The rows of a JSON-lines upload: each line one lead, a JSON object of its fields. */
async function* jsonRows(path: string): AsyncGenerator<UploadRow> {
  let row = 0;
  for await (const line of fileLines(path, MAX_ROW_BYTES)) {
    if (line.tooLong) {
      yield badRow(++row, `the line is over ${MAX_ROW_BYTES} bytes`);
      continue;
    }
    if (line.text.trim() === '') continue;
    row++;
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch (e) {
      yield badRow(row, `the line is not JSON: ${(e as Error).message}`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield badRow(row, 'the line is not a JSON object of the lead\'s fields');
      continue;
    }
    yield { row, lead: value as Record<string, unknown> };
  }
}

/** Every row of an upload, in order, numbered from 1 (a CSV file's header and blank lines are not rows). */
export function uploadRows(path: string, format: UploadFormat, fields: Fields): AsyncGenerator<UploadRow> {
  return format === 'csv' ? csvRows(path, fields) : jsonRows(path);
}

/** The first line of a CSV upload judged as its header (the upload is refused at once when it is wrong). */
export async function checkFileHeader(path: string, fields: Fields): Promise<void> {
  for await (const line of fileLines(path, MAX_ROW_BYTES)) {
    if (line.tooLong) throw new GavelError('UPLOAD_BAD_HEADER', `The header line is over ${MAX_ROW_BYTES} bytes`);
    if (line.text.trim() === '') continue;
    checkHeader(line.text, fields);
    return;
  }
  checkHeader(undefined, fields);
}
