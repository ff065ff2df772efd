/**
 * The upload runner on real files with the row's call stubbed: a file's rows read as a stream
 * (CSV through csv-parse, quoted line breaks and broken rows included; JSON lines), and a file of
 * 100,000 rows run to the end without its rows ever held together in memory.
 */
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedRuntime } from '../../src/config/live-runtime.js';
import { parseConfig } from '../../src/config/load-config.js';
import { compileRuntime } from '../../src/config/runtime.js';
import type { CallResult } from '../../src/front/call-result.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { MemoryUploadLeases } from '../../src/uploads/upload-leases.js';
import { UploadFiles, type UploadMeta } from '../../src/uploads/upload-files.js';
import { uploadRows, MAX_ROW_BYTES, type UploadRow } from '../../src/uploads/upload-rows.js';
import { rowLeadId, UploadRunner, type RowCalls } from '../../src/uploads/upload-runner.js';
import { TEST_FIELDS, testConfig } from '../support/test-config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'gavel-upload-files-'));
  dirs.push(d);
  return d;
}

async function rowsOf(text: string, format: 'csv' | 'jsonl'): Promise<UploadRow[]> {
  const path = join(tempDir(), 'f');
  writeFileSync(path, text);
  const out: UploadRow[] = [];
  for await (const r of uploadRows(path, format, TEST_FIELDS as never)) out.push(r);
  return out;
}

describe('reading an uploaded file', () => {
  it('CSV: typed cells, a quoted field across lines, and each broken row one bad row while the file goes on', async () => {
    const rows = await rowsOf(
      [
        '\ufeffzip,state,age,name,phone',
        '90210,CA,40,"Ada\nLovelace",5550000001',
        '',
        '90210,CA,4x,Bob,5550000002',
        '90210,"CA"x,40,Bad quote,5550000003',
        '90210,CA,40,"never closed,5550000004',
        '90210,CA,41,Eve,5550000005',
        `90210,CA,42,${'x'.repeat(MAX_ROW_BYTES)},5550000006`,
        '90210,CA,43,Last,5550000007\r',
      ].join('\n'),
      'csv',
    );
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(rows[0]).toEqual({ row: 1, lead: { zip: '90210', state: 'CA', age: 40, name: 'Ada\nLovelace', phone: '5550000001' } });
    // a cell that is not a number stays text, for the campaign's schema to refuse
    expect(rows[1]!.lead).toMatchObject({ age: '4x' });
    expect(rows[2]!.problems?.[0]!.message).toContain('cannot be read as CSV');
    expect(rows[3]!.problems?.[0]!.message).toContain('cannot be read as CSV');
    // the line after an unclosed quote is a row of its own again
    expect(rows[4]).toEqual({ row: 5, lead: { zip: '90210', state: 'CA', age: 41, name: 'Eve', phone: '5550000005' } });
    expect(rows[5]!.problems?.[0]!.message).toContain(`over ${MAX_ROW_BYTES} bytes`);
    expect(rows[6]!.lead).toMatchObject({ name: 'Last', phone: '5550000007' });
  });

  it('JSON lines: each line an object; a line that is not JSON, not an object or too long is one bad row', async () => {
    const rows = await rowsOf(['{"zip":"90210"}', 'nope', '', '"text"', `{"name":"${'y'.repeat(MAX_ROW_BYTES)}"}`, '{"zip":"10001"}'].join('\n'), 'jsonl');
    expect(rows.map((r) => [r.row, r.lead ?? r.problems![0]!.message.slice(0, 20)])).toEqual([
      [1, { zip: '90210' }],
      [2, 'the line is not JSON'],
      [3, 'the line is not a JS'],
      [4, `the line is over ${MAX_ROW_BYTES}`.slice(0, 20)],
      [5, { zip: '10001' }],
    ]);
  });
});

/** Collect garbage now: the heap measured is what is still held. */
function gc(): void {
  setFlagsFromString('--expose_gc');
  (runInNewContext('gc') as () => void)();
}

describe('the upload runner', () => {
  it("on the embedded store, leaves alone a directory whose uploads another live process runs, and takes over a dead one's", async () => {
    const root = tempDir();
    const files = new UploadFiles(root);
    const id = 'up_BBBBBBBBBBBBBBBB';
    await files.make(id);
    writeFileSync(files.source(id), 'zip,state,phone\n90210,CA,5550000001\n');
    await files.writeMeta({ id, seller: 'pub1', campaign: 'auto', format: 'csv', test: false, bytes: 0, created_at: new Date().toISOString(), state: 'queued' });
    const ran: number[] = [];
    const calls: RowCalls = { run: async () => (ran.push(1), { status: 200, body: { status: 'sold', lead_id: 'x', price: 1 } }) };
    const runtime = compileRuntime(parseConfig({ ...testConfig([]), redis: undefined }), undefined);
    const runnerOn = () => new UploadRunner({ calls, live: fixedRuntime(runtime), leases: new MemoryUploadLeases(), durableCalls: false, log: createLogger([], 'silent') }, { rate: 100, inFlight: 1, keepMs: 3600_000, root });
    // this test's parent: alive, and not this process
    writeFileSync(join(root, '.embedded-owner'), String(process.ppid));
    const blocked = runnerOn();
    blocked.start();
    await new Promise((r) => setTimeout(r, 300));
    await blocked.stop();
    expect(ran).toEqual([]);
    expect((await files.readMeta(id))?.state).toBe('queued');
    // a pid no process has: the directory is free
    writeFileSync(join(root, '.embedded-owner'), '4194303');
    const runner = runnerOn();
    runner.start();
    await expect.poll(async () => (await files.readMeta(id))?.state, { timeout: 5000 }).toBe('done');
    await runner.stop();
    expect(ran).toEqual([1]);
  });

  it('runs a file of 100,000 rows to the end, each row once, while the heap stays far under the file', { timeout: 180_000 }, async () => {
    const root = tempDir();
    const files = new UploadFiles(root);
    const id = 'up_AAAAAAAAAAAAAAAA';
    await files.make(id);
    const ROWS = 100_000;
    // about 110 bytes a row: 11 MB of file, several times that as objects if it were ever held whole
    const out = createWriteStream(files.source(id));
    out.write('zip,state,age,name,phone,email\n');
    for (let i = 1; i <= ROWS; i++) out.write(`90210,CA,${18 + (i % 80)},Customer number ${i} with a fairly long name,${5_550_000_000 + i},customer.${i}@example-mail-domain.com\n`);
    await new Promise((r) => out.end(r));
    const meta: UploadMeta = { id, seller: 'pub1', campaign: 'auto', format: 'csv', test: false, bytes: 0, created_at: new Date().toISOString(), state: 'queued' };
    await files.writeMeta(meta);

    gc();
    const before = process.memoryUsage().heapUsed;
    const growth: number[] = [];
    const seen = new Set<number>();
    const calls: RowCalls = {
      async run(_seller, _route, raw, _at, _bytes, key, _q, leadId) {
        const row = Number(key!.split(' ').at(-1));
        seen.add(row);
        // the heap at the middle of the run, garbage collected first
        if (row === ROWS / 2 || row === ROWS - 100) {
          gc();
          growth.push(process.memoryUsage().heapUsed - before);
        }
        const body = row % 10 === 0 ? { status: 'rejected', lead_id: leadId, reason: 'NO_BID' } : { status: 'sold', lead_id: leadId, price: 8 };
        void raw;
        return { status: 200, body, ping: undefined, outcome: 'answered' } satisfies CallResult;
      },
    };
    const runtime = compileRuntime(parseConfig({ ...testConfig([]), redis: undefined }), undefined);
    const runner = new UploadRunner({ calls, live: fixedRuntime(runtime), leases: new MemoryUploadLeases(), durableCalls: false, log: createLogger([], 'silent') }, { rate: 10_000, inFlight: 16, keepMs: 3600_000, root });
    runner.start();
    const t0 = performance.now();
    for (;;) {
      const m = await files.readMeta(id);
      if (m?.state === 'done') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (performance.now() - t0) / 1000;
    await runner.stop();
    // a set of row numbers, not of rows: the check's own cost, a few MB, is within the bound
    expect(seen.size).toBe(ROWS);
    expect(growth).toHaveLength(2);
    for (const g of growth) expect(g).toBeLessThan(12 * 1024 * 1024);
    const progress = await files.readProgress(id);
    expect(progress).toMatchObject({ state: 'done', done: ROWS, rows_read: ROWS, sold: ROWS - ROWS / 10, rejected: { NO_BID: ROWS / 10 } });
    const lines = (await readFile(files.results(id), 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(ROWS);
    expect(new Set(lines.map((l) => Number(l.split(',')[0]))).size).toBe(ROWS);
    expect(lines.find((l) => l.startsWith('777,'))).toBe(`777,${rowLeadId(id, 777)},sold,SOLD,8,`);
    console.log(`100,000 rows in ${seconds.toFixed(1)} s; heap growth ${growth.map((g) => (g / 1048576).toFixed(1)).join(' and ')} MB`);
  });
});
