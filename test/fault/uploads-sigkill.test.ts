/**
 * An upload whose process is SIGKILLed mid-way (a real child process running dist, as `npm start`
 * does) resumes when Gavel starts again: every row ends with exactly one outcome, none is lost,
 * and no lead reaches a buyer twice. On the embedded default (the rows running at the kill are
 * UPLOAD_INTERRUPTED: the store that knew how they ended went with the process) and on Redis +
 * PostgreSQL (they run again under their idempotency keys; the ledger has each sale once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { startBuyer } from '../support/buyer-server.js';
import { cleanPrefix, dropSchema, PG_URL, SELLER_KEY, testConfig, testPrefix, testSchema } from '../support/exchange.js';
import { ledgerSales } from '../support/ledger-sales.js';
import { spawnGavel, writeConfig, type GavelProcess } from '../support/process.js';
import { stopAfterEach } from '../support/stop-after.js';

const stops = stopAfterEach({ ignoreFailures: true });
const ROWS = 150;

async function progress(port: number, id: string) {
  const res = await fetch(`http://127.0.0.1:${port}/v1/uploads/${id}`, { headers: { authorization: `Bearer ${SELLER_KEY}` } });
  return (await res.json()) as { state: string; rows_done: number; sold: number; rejected: Record<string, number>; invalid: number };
}

function started(g: GavelProcess): GavelProcess {
  stops.push(async () => {
    g.child.kill('SIGKILL');
    await g.exited;
  });
  return g;
}

describe.each(['memory', 'redis'] as const)('an upload on the %s store, its process killed mid-way', (store) => {
  it('resumes at the next start: each row one outcome, none lost, no lead posted twice', { timeout: 90_000 }, async () => {
    // the buyer takes a moment over each post, so the kill lands with rows running
    const buyer = await startBuyer(() => ({ body: { bid: 10, bid_id: 'b' } }), () => ({ body: { accepted: true }, delayMs: 15 }));
    stops.push(() => buyer.close());
    const dir = mkdtempSync(join(tmpdir(), 'gavel-uploads-kill-'));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const prefix = testPrefix();
    const schema = testSchema();
    const base = testConfig([{ id: 'b', url: buyer.url, timeout_ms: 300 }], { post_tmax_ms: 1000 }, prefix);
    const config = {
      ...base,
      ...(store === 'memory' ? { redis: undefined } : { ledger: { postgres_url: PG_URL, schema } }),
      server: { ...base.server, uploads: { rate: 60, in_flight: 3, dir } },
    };
    if (store === 'redis') stops.push(() => cleanPrefix(prefix), () => dropSchema(schema));
    const path = writeConfig(config);

    const phones = Array.from({ length: ROWS }, (_, i) => `55${String(Date.now() % 1e5).padStart(5, '0')}${String(i).padStart(3, '0')}`);
    const csv = `zip,state,age,phone\n${phones.map((p) => `90210,CA,40,${p}`).join('\n')}\n`;

    const first = started(await spawnGavel(path));
    const sent = await fetch(`http://127.0.0.1:${first.port}/v1/uploads?campaign=auto&format=csv`, { method: 'POST', headers: { authorization: `Bearer ${SELLER_KEY}` }, body: csv });
    expect(sent.status).toBe(202);
    const { id } = (await sent.json()) as { id: string };
    // killed a third of the way, rows in flight
    for (;;) {
      const p = await progress(first.port, id);
      if (p.rows_done >= ROWS / 3) break;
      await sleep(20);
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const doneAtKill = (await progress0(dir, id)).length;
    expect(doneAtKill).toBeLessThan(ROWS);

    const second = started(await spawnGavel(path));
    const end = Date.now() + 60_000;
    let p = await progress(second.port, id);
    while (p.state !== 'done' && Date.now() < end) {
      await sleep(100);
      p = await progress(second.port, id);
    }
    expect(p.state).toBe('done');
    expect(p.rows_done).toBe(ROWS);

    const res = await fetch(`http://127.0.0.1:${second.port}/v1/uploads/${id}/results`, { headers: { authorization: `Bearer ${SELLER_KEY}` } });
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
    // every row once: none lost, none recorded twice
    expect(rows.map((r) => Number(r.row)).sort((a, b) => a - b)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    // no lead reached the buyer twice
    const posted = new Map<string, number>();
    for (const c of buyer.posts) {
      const phone = String((c.body.lead as Record<string, unknown>).phone);
      posted.set(phone, (posted.get(phone) ?? 0) + 1);
    }
    expect([...posted.values()].filter((n) => n > 1)).toEqual([]);
    // each row sold was posted; a row posted and not sold is one the kill cut (its outcome says so)
    const sold = rows.filter((r) => r.outcome === 'sold');
    for (const r of sold) expect(posted.get(phones[Number(r.row) - 1]!), `row ${r.row}`).toBe(1);
    const cut = rows.filter((r) => r.outcome !== 'sold').map((r) => r.code);
    if (store === 'memory') {
      // the rows running at the kill, never run again
      expect(cut.every((c) => c === 'UPLOAD_INTERRUPTED')).toBe(true);
      expect(cut.length).toBeLessThanOrEqual(3);
    } else {
      // run again under their keys: the first run's answer, or the gates' verdict on a repeat
      expect(cut.every((c) => c === 'RESUBMITTED' || c === 'DUPLICATE')).toBe(true);
      for (const r of rows.filter((x) => x.outcome !== 'sold')) expect(r.problems).toContain('was running when a process stopped');
      expect(cut.length).toBeLessThanOrEqual(3);
      // the ledger has each sale once, and every sale the results report
      const ledger = await ledgerSales(schema);
      expect([...ledger.values()].filter((n) => n !== 1)).toEqual([]);
      for (const r of sold) expect(ledger.get(r.lead_id!), `row ${r.row}`).toBe(1);
    }
    expect(sold.length + cut.length).toBe(ROWS);
  });
});

/** The rows done, as the results file on disk says (read between the kill and the restart). */
async function progress0(dir: string, id: string): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(join(dir, id, 'results.csv'), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '');
}

describe('an upload on Redis + PostgreSQL, two processes sharing its directory', () => {
  it('the other process shows its progress while it runs, and takes it over when its runner is killed', { timeout: 90_000 }, async () => {
    const buyer = await startBuyer(() => ({ body: { bid: 10, bid_id: 'b' } }), () => ({ body: { accepted: true }, delayMs: 10 }));
    stops.push(() => buyer.close());
    const dir = mkdtempSync(join(tmpdir(), 'gavel-uploads-pair-'));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const prefix = testPrefix();
    const schema = testSchema();
    stops.push(() => cleanPrefix(prefix), () => dropSchema(schema));
    const base = testConfig([{ id: 'b', url: buyer.url, timeout_ms: 300 }], { post_tmax_ms: 1000 }, prefix);
    const path = writeConfig({ ...base, ledger: { postgres_url: PG_URL, schema }, server: { ...base.server, uploads: { rate: 40, in_flight: 2, dir } } });
    const phones = Array.from({ length: ROWS }, (_, i) => `56${String(Date.now() % 1e5).padStart(5, '0')}${String(i).padStart(3, '0')}`);
    const csv = `zip,state,age,phone\n${phones.map((p) => `90210,CA,40,${p}`).join('\n')}\n`;

    const a = started(await spawnGavel(path));
    const b = started(await spawnGavel(path));
    const sent = await fetch(`http://127.0.0.1:${a.port}/v1/uploads?campaign=auto&format=csv`, { method: 'POST', headers: { authorization: `Bearer ${SELLER_KEY}` }, body: csv });
    expect(sent.status).toBe(202);
    const { id } = (await sent.json()) as { id: string };
    // b reads the progress a writes
    await expect.poll(async () => (await progress(b.port, id)).rows_done, { timeout: 10_000 }).toBeGreaterThan(10);
    expect((await progress(b.port, id)).state).toBe('running');
    // the results so far, from the other process too: whole lines, each row once
    const partial = parse(await (await fetch(`http://127.0.0.1:${b.port}/v1/uploads/${id}/results`, { headers: { authorization: `Bearer ${SELLER_KEY}` } })).text(), { columns: true }) as Record<string, string>[];
    expect(partial.length).toBeGreaterThan(10);
    expect(partial.length).toBeLessThan(ROWS);
    expect(new Set(partial.map((r) => r.row)).size).toBe(partial.length);
    expect(partial.every((r) => r.outcome === 'sold')).toBe(true);
    a.child.kill('SIGKILL');
    await a.exited;
    // b takes it over once a's lease lapses, and finishes it
    const end = Date.now() + 60_000;
    let p = await progress(b.port, id);
    while (p.state !== 'done' && Date.now() < end) {
      await sleep(200);
      p = await progress(b.port, id);
    }
    expect(p).toMatchObject({ state: 'done', rows_done: ROWS });
    const res = await fetch(`http://127.0.0.1:${b.port}/v1/uploads/${id}/results`, { headers: { authorization: `Bearer ${SELLER_KEY}` } });
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => Number(r.row)).sort((x, y) => x - y)).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
    const posted = new Map<string, number>();
    for (const c of buyer.posts) {
      const phone = String((c.body.lead as Record<string, unknown>).phone);
      posted.set(phone, (posted.get(phone) ?? 0) + 1);
    }
    expect([...posted.values()].filter((n) => n > 1)).toEqual([]);
    const ledger = await ledgerSales(schema);
    expect([...ledger.values()].filter((n) => n !== 1)).toEqual([]);
    for (const r of rows.filter((x) => x.outcome === 'sold')) expect(ledger.get(r.lead_id!), `row ${r.row}`).toBe(1);
  });
});
