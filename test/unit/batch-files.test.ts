import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { configProblems } from '../support/config-problems.js';
import type { SoldLead } from '../../src/auction/stage-parts.js';
import { batchFileName, renderBatch } from '../../src/delivery/batch-file.js';
import { lastWindow } from '../../src/delivery/batch-schedule.js';
import { BatchDeliveries } from '../../src/delivery/batch-deliveries.js';
import { MemoryBatchStore } from '../../src/delivery/batch-memory-store.js';
import type { PendingLead } from '../../src/delivery/batch-store.js';
import { fixedRuntime } from '../../src/config/live-runtime.js';
import { compileRuntime } from '../../src/config/runtime.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';

const HOST_KEY = `SHA256:${'A'.repeat(43)}`;
const sftp = { host: 'sftp.example', user: 'gavel', private_key_env: 'KEY', host_key: HOST_KEY };

const config = (batch: Record<string, unknown>, more: Record<string, unknown> = {}) => ({
  campaigns: [{ id: 'auto', fields: { zip: { type: 'string', ping: true, required: true }, phone: { type: 'phone', pii: true } }, dedup: { fields: ['phone'], window: '30d' } }],
  sellers: [{ id: 'pub1', api_key: 'k'.repeat(20) }],
  buyers: [{ id: 'vault', campaigns: ['auto'], price: 5, batch }],
  ...more,
});

const problems = configProblems;

describe('batch files: config', () => {
  it('a batch-only buyer (batch and price, no post_url) is valid; its columns keep their order', () => {
    const c = parseConfig(config({ format: 'csv', columns: [{ Z: 'lead.zip' }, { A: 'lead_id' }], every: '15m', sftp }));
    expect(c.buyers[0]!.batch).toMatchObject({ format: 'csv', columns: [['Z', 'lead.zip'], ['A', 'lead_id']], every: '15m', timeout: '30s', retry_after: '30s', sftp: { port: 22, folder: '.' } });
  });

  it('says each problem at its path', () => {
    expect(problems(config({ format: 'csv', every: '15m', at: '07:00', sftp }))).toEqual(expect.arrayContaining([expect.stringMatching(/^buyers\[0\]\.batch\.every: either every/), expect.stringMatching(/^buyers\[0\]\.batch\.columns: a csv batch names its columns/)]));
    expect(problems(config({ format: 'jsonl', at: '7:00', sftp }))).toEqual([expect.stringMatching(/^buyers\[0\]\.batch\.at: HH:MM/)]);
    expect(problems(config({ format: 'jsonl', every: '15m', sftp: { ...sftp, host_key: 'md5:aa' } }))).toEqual([expect.stringMatching(/^buyers\[0\]\.batch\.sftp\.host_key: SHA256:/)]);
    expect(problems(config({ format: 'jsonl', every: '15m', sftp: { ...sftp, private_key: 'x' } }))).toEqual([expect.stringMatching(/^buyers\[0\]\.batch\.sftp: either private_key or private_key_env/)]);
    expect(problems(config({ format: 'jsonl', every: '15m', email: { to: ['a@b.example'] } }))).toEqual([expect.stringMatching(/^buyers\[0\]\.batch\.email: e-mail batches need the smtp relay/)]);
    expect(problems(config({ format: 'csv', columns: [{ A: 'lead_id', B: 'lead.zip' }], every: '15m', sftp }))).toEqual([expect.stringMatching(/^buyers\[0\]\.batch\.columns\[0\]: one column per item/)]);
    // a buyer with neither a post_url nor a batch still needs its post_url
    expect(problems({ ...config({}), buyers: [{ id: 'vault', campaigns: ['auto'], price: 5 }] })).toEqual([expect.stringMatching(/^buyers\[0\]\.post_url: required/)]);
  });
});

describe('batch files: windows', () => {
  it('every: windows on multiples of their length since the epoch, the last one ended', () => {
    const now = Date.UTC(2026, 11, 3, 19, 7, 31);
    expect(lastWindow({ every: '15m' }, now, 'UTC')).toEqual({ start: Date.UTC(2026, 11, 3, 18, 45), end: Date.UTC(2026, 11, 3, 19, 0) });
    expect(lastWindow({ every: '2s' }, now, 'UTC')).toEqual({ start: now - 3000, end: now - 1000 });
  });

  it("at: from one day's local time to the next's, in the buyer's zone, across a DST change", () => {
    // 07:00 in Chicago is 13:00 UTC in winter (CST, -6)
    expect(lastWindow({ at: '07:00' }, Date.UTC(2026, 11, 3, 19, 0), 'America/Chicago')).toEqual({ start: Date.UTC(2026, 11, 2, 13, 0), end: Date.UTC(2026, 11, 3, 13, 0) });
    // before 07:00 local: the window that ended yesterday
    expect(lastWindow({ at: '07:00' }, Date.UTC(2026, 11, 3, 12, 59), 'America/Chicago').end).toBe(Date.UTC(2026, 11, 2, 13, 0));
    // US DST ends on 2026-11-01 at 02:00: 07:00 on 31 October is CDT (12:00 UTC), on 1 November CST (13:00 UTC): a 25-hour window
    expect(lastWindow({ at: '07:00' }, Date.UTC(2026, 10, 1, 14, 0), 'America/Chicago')).toEqual({ start: Date.UTC(2026, 9, 31, 12, 0), end: Date.UTC(2026, 10, 1, 13, 0) });
  });
});

describe('batch files: names and bytes', () => {
  it("a file's name comes from its window: local start, and its number within the minute", () => {
    const start = Date.UTC(2026, 11, 3, 13, 0);
    expect(batchFileName('vault', start, null, 'America/Chicago', 'csv')).toBe('vault-20261203-0700-001.csv');
    expect(batchFileName('vault', start + 4000, 2000, 'UTC', 'jsonl')).toBe('vault-20261203-1300-003.jsonl');
    expect(batchFileName('vault', start + 58_000, 2000, 'UTC', 'jsonl')).toBe('vault-20261203-1300-030.jsonl');
    // 01:30 happens twice in Chicago on 2026-11-01: the second pass counts on from 101
    const first = Date.UTC(2026, 10, 1, 6, 30);
    expect(batchFileName('vault', first, null, 'America/Chicago', 'csv')).toBe('vault-20261101-0130-001.csv');
    expect(batchFileName('vault', first + 3_600_000, null, 'America/Chicago', 'csv')).toBe('vault-20261101-0130-101.csv');
  });

  it("a batch's bytes are a function of its record: the same leads and build time, the same file", () => {
    const sale = (id: string, over: Partial<SoldLead> = {}): SoldLead => ({ leadId: id, buyer: 'vault', campaign: 'auto', seller: 'pub1', subId: null, priceMicros: 5_250_000, grade: null, test: false, lead: { zip: '02134', phone: '5551234567', note: 'a "quoted",\nline' }, at: 1_764_780_000_000, pingReceivedAt: 1_764_779_999_900, ...over });
    const layout = { format: 'csv' as const, columns: [['Lead', 'lead_id'], ['Zip', 'lead.zip'], ['Note', 'lead.note'], ['Price', 'price'], ['Missing', 'lead.nothing'], ['Sent', 'post_sent_at']] as [string, string][] };
    const a = renderBatch(layout, [sale('l1'), sale('l2')], 1_764_780_060_000);
    expect(a.toString('utf8')).toBe('Lead,Zip,Note,Price,Missing,Sent\r\n' + 'l1,02134,"a ""quoted"",\nline",5.25,,2025-12-03T16:41:00.000Z\r\n' + 'l2,02134,"a ""quoted"",\nline",5.25,,2025-12-03T16:41:00.000Z\r\n');
    expect(renderBatch(layout, [sale('l1'), sale('l2')], 1_764_780_060_000).equals(a)).toBe(true);
    const lines = renderBatch({ format: 'jsonl' }, [sale('l1')], 0).toString('utf8');
    expect(lines.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines)).toEqual({ lead_id: 'l1', campaign: 'auto', seller: 'pub1', sub_id: null, price: 5.25, test: false, grade: null, sold_at: '2025-12-03T16:40:00.000Z', lead: sale('l1').lead });
  });
});

/** A memory store that refuses its first `fails` writes, as a PostgreSQL away for a moment would. */
class RefusingStore extends MemoryBatchStore {
  constructor(private fails: number) {
    super();
  }
  override async enqueue(buyer: string, lead: PendingLead): Promise<void> {
    if (this.fails-- > 0) throw new Error('the store is away');
    return super.enqueue(buyer, lead);
  }
}

describe('batch files: a sold lead the store refused', () => {
  it('is kept in the process and queued on a later round, into one batch, sealed', async () => {
    const data = parseConfig({ ...config({ format: 'jsonl', every: '1s', sftp: { ...sftp, port: 1, host: '127.0.0.1' } }), buyers: [{ id: 'vault', campaigns: ['auto'], ping_url: 'http://127.0.0.1:9/ping', post_url: 'http://127.0.0.1:9/post', batch: { format: 'jsonl', every: '1s', sftp: { ...sftp, port: 1, host: '127.0.0.1' } } }] });
    const store = new RefusingStore(2);
    const metrics = createMetrics();
    const batches = new BatchDeliveries({ live: fixedRuntime(compileRuntime(data, 'unit-secret-0123456789')), store, holder: 'unit', tickMs: 1000, mail: null, metrics, log: createLogger([], 'silent'), env: { KEY: 'not a key' } });
    const at = Date.UTC(2026, 11, 3, 19, 0, 0, 500);
    batches.told({ leadId: 'l1', buyer: 'vault', campaign: 'auto', seller: 'pub1', subId: null, priceMicros: 1, grade: null, test: false, lead: { phone: '5551234567' }, at, pingReceivedAt: at });
    await new Promise((r) => setTimeout(r, 10));
    expect(await metrics.registry.getSingleMetricAsString('gavel_batch_files_total')).toMatch(/result="unqueued"\} 1/);
    // the next round: refused once more, kept; the one after: queued, and its window's batch built
    await batches.tick(at + 100);
    expect(await store.list(undefined, 10)).toEqual([]);
    await batches.tick(at + 2000);
    const [b] = await store.list(undefined, 10);
    // the window that ended last (19:00:01–19:00:02) takes every lead queued before its end, this late one too
    expect(b).toMatchObject({ buyer: 'vault', leads: 1, windowStart: Date.UTC(2026, 11, 3, 19, 0, 1) });
    const [sent] = await store.due('vault', Number.MAX_SAFE_INTEGER);
    // no private key usable: the send failed and is retried; the lead waits sealed, never in clear
    expect(sent!.items[0]!.sealed).not.toContain('5551234567');
    expect(sent!.lastError).toMatch(/key|parse|Cannot/i);
    await batches.close();
  });
});
