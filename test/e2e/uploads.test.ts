/**
 * Leads sent as files (POST /v1/uploads): each row a direct post of the seller through the same
 * validation, dedup, rules and plan as a call; progress and each row's outcome readable; bad
 * files refused with their codes; a seller sees its own uploads only. On the embedded default
 * and on Redis + PostgreSQL.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer } from '../support/buyer-server.js';
import { ADMIN_KEY, dropSchema, PG_URL, SELLER_KEY, startExchange, stopExchange, testConfig, testSchema } from '../support/exchange.js';
import { stopAfterEach } from '../support/stop-after.js';

const stops = stopAfterEach();
const OTHER_SELLER_KEY = 'seller-two-key-0123456789';

/** An exchange with one buyer, its uploads in a directory of the test's own. */
async function market(store: 'memory' | 'redis', onPost?: Parameters<typeof startBuyer>[1], uploads: Record<string, unknown> = {}) {
  const buyer = await startBuyer(() => ({ body: { bid: 10, bid_id: 'b' } }), onPost);
  stops.push(() => buyer.close());
  const dir = mkdtempSync(join(tmpdir(), 'gavel-uploads-test-'));
  stops.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = testConfig([{ id: 'b', url: buyer.url }]);
  const schema = testSchema();
  const g: Gavel = await startExchange(
    {
      ...config,
      server: { ...config.server, uploads: { rate: 200, in_flight: 2, dir, ...uploads } },
      sellers: [...config.sellers, { id: 'pub2', api_key: OTHER_SELLER_KEY }],
      ...(store === 'redis' ? { ledger: { postgres_url: PG_URL, schema } } : {}),
    },
    store,
  );
  stops.push(() => stopExchange(g));
  if (store === 'redis') stops.push(() => dropSchema(schema));
  return { g, buyer, dir };
}

async function upload(port: number, body: string, query: string, key = SELLER_KEY, contentType = 'text/plain') {
  const res = await fetch(`http://127.0.0.1:${port}/v1/uploads?${query}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body });
  return { status: res.status, body: (await res.json()) as any };
}

async function progress(port: number, id: string, key = SELLER_KEY) {
  const res = await fetch(`http://127.0.0.1:${port}/v1/uploads/${id}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as any };
}

async function until(port: number, id: string, key = SELLER_KEY, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const p = await progress(port, id, key);
    if (p.body.state === 'done' || Date.now() > end) return p.body;
    await sleep(50);
  }
}

async function results(port: number, id: string, key = SELLER_KEY) {
  const res = await fetch(`http://127.0.0.1:${port}/v1/uploads/${id}/results`, { headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type'), text, rows: res.ok ? (parse(text, { columns: true }) as Record<string, string>[]) : [] };
}

const phone = (i: number) => `55${String(Date.now() % 1e6).padStart(6, '0')}${String(i).padStart(2, '0')}`;

describe.each(['memory', 'redis'] as const)('uploads on the %s store', (store) => {
  it('a CSV file: each row sold, rejected with its code or invalid with its problems, in the results and the progress', async () => {
    const { g, buyer } = await market(store, (call) => (call.body.lead && (call.body.lead as any).name === 'Reject Me' ? { body: { accepted: false, reason: 'no thanks' } } : { body: { accepted: true } }));
    const p = [1, 2, 3, 4, 5].map(phone);
    const csv = [
      'zip,state,age,name,phone,email',
      `90210,CA,40,Ada,${p[0]},ada@example.com`,
      `90210,CA,41,"Lovelace, Ada",${p[1]},`,
      `9021,CA,40,Bad Zip,${p[2]},`, // invalid: the zip's pattern
      `90210,CA,40,Reject Me,${p[3]},`, // the buyer rejects its post
      `90210,CA,40,Twin,${p[0]},`, // the first row's phone: dedup
      `90210,CA,40,Too,${p[4]},,extra`, // more cells than the header
      `90210,CA,abc,Bad Age,${p[4]},`, // invalid: age not a number
      '',
      `90210,TX,33,Last,${p[4]},`,
    ].join('\n');
    const sent = await upload(g.port, csv, 'campaign=auto&format=csv');
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ id: expect.stringMatching(/^up_/), campaign: 'auto', format: 'csv', seller: 'pub1' });
    const done = await until(g.port, sent.body.id);
    expect(done).toMatchObject({ state: 'done', rows_read: 8, rows_done: 8, sold: 3, invalid: 3, rejected: { POST_REJECTED: 1, DUPLICATE: 1 } });

    const r = await results(g.port, sent.body.id);
    expect(r.status).toBe(200);
    expect(r.contentType).toContain('text/csv');
    const byRow = new Map(r.rows.map((x) => [Number(x.row), x]));
    expect([...byRow.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(byRow.get(1)).toMatchObject({ outcome: 'sold', code: 'SOLD', price: '8' });
    expect(byRow.get(2)).toMatchObject({ outcome: 'sold', price: '8' });
    expect(byRow.get(3)).toMatchObject({ outcome: 'invalid', code: 'INVALID_LEAD' });
    expect(byRow.get(3)!.problems).toContain('lead.zip');
    expect(byRow.get(4)).toMatchObject({ outcome: 'rejected', code: 'POST_REJECTED' });
    expect(byRow.get(5)).toMatchObject({ outcome: 'rejected', code: 'DUPLICATE' });
    expect(byRow.get(6)).toMatchObject({ outcome: 'invalid', code: 'UPLOAD_BAD_ROW' });
    expect(byRow.get(6)!.problems).toContain('7 cells where the header has 6');
    expect(byRow.get(7)).toMatchObject({ outcome: 'invalid', code: 'INVALID_LEAD' });
    expect(byRow.get(7)!.problems).toContain('lead.age');
    expect(byRow.get(8)).toMatchObject({ outcome: 'sold' });
    // counted for the operator: this process ran every row
    const metrics = await (await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`)).text();
    expect(metrics).toContain('gavel_upload_rows_total{outcome="sold"} 3');
    expect(metrics).toContain('gavel_upload_rows_total{outcome="invalid"} 3');
    expect(metrics).toContain('gavel_upload_rows_total{outcome="rejected"} 2');
    // the sold rows are the posts the buyer saw, with the full lead (the quoted name whole)
    const posted = buyer.posts.map((c) => (c.body.lead as any).name).sort();
    expect(posted).toEqual(['Ada', 'Last', 'Lovelace, Ada', 'Reject Me'].sort());
    // a row's lead id is its trace's: the operator reads the lead by it
    const traceOf = (id: string) => fetch(`http://127.0.0.1:${g.operatorPort}/v1/leads/${id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }).then((x) => x.status);
    await expect.poll(() => traceOf(byRow.get(1)!.lead_id!), { timeout: 5000 }).toBe(200);
  });

  it('a JSON-lines file: a line that is not JSON is an invalid row, and the file goes on', async () => {
    const { g } = await market(store);
    const lines = [
      JSON.stringify({ zip: '90210', state: 'CA', age: 30, phone: phone(11) }),
      '{"zip": "90210", "state": ',
      '[1, 2]',
      JSON.stringify({ zip: '90210', state: 'CA', age: 30, phone: phone(12) }),
    ].join('\n');
    const sent = await upload(g.port, lines, 'campaign=auto', SELLER_KEY, 'application/x-ndjson');
    expect(sent.status).toBe(202);
    expect(sent.body.format).toBe('jsonl');
    const done = await until(g.port, sent.body.id);
    expect(done).toMatchObject({ state: 'done', rows_done: 4, sold: 2, invalid: 2 });
    const r = await results(g.port, sent.body.id);
    expect(r.rows.find((x) => x.row === '2')).toMatchObject({ outcome: 'invalid', code: 'UPLOAD_BAD_ROW' });
    expect(r.rows.find((x) => x.row === '2')!.problems).toContain('not JSON');
    expect(r.rows.find((x) => x.row === '3')!.problems).toContain('not a JSON object');
  });

  it('bad files are refused with their codes, and a seller sees only its own uploads', async () => {
    const env = await market(store, undefined, { max_bytes: 4096 });
    const { g } = env;
    const wrong = await upload(g.port, 'zip,state,colour\n90210,CA,red\n', 'campaign=auto&format=csv');
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('UPLOAD_BAD_HEADER');
    expect(wrong.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'header[2]', message: '"colour" is not a field of the campaign' },
        { path: 'header', message: 'the required field "phone" has no column' },
      ]),
    );
    // a client gone mid-body leaves nothing behind
    const { dir } = env;
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port: g.port, method: 'POST', path: '/v1/uploads?campaign=auto&format=csv', headers: { authorization: `Bearer ${SELLER_KEY}`, 'content-length': '4000' } });
      req.on('error', () => resolve());
      req.write(`zip,state,phone\n${'90210,CA,5550000000\n'.repeat(50)}`);
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    await expect.poll(() => readdirSync(dir).filter((n) => n.startsWith('.incoming-')).length, { timeout: 3000 }).toBe(0);
    expect(readdirSync(dir).filter((n) => n.startsWith('up_'))).toEqual([]);
    const empty = await upload(g.port, '', 'campaign=auto&format=csv');
    expect(empty.body.error.code).toBe('UPLOAD_BAD_HEADER');
    const big = await upload(g.port, `zip,state,phone\n${'90210,CA,5550000000\n'.repeat(300)}`, 'campaign=auto&format=csv');
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('BODY_TOO_LARGE');
    expect((await upload(g.port, 'x', 'campaign=nope&format=csv')).body.error.code).toBe('UNKNOWN_CAMPAIGN');
    expect((await upload(g.port, 'x', 'campaign=auto')).body.error).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: 'format' }] });
    expect((await upload(g.port, 'x', 'campaign=auto&format=csv', 'not-a-key-at-all')).status).toBe(401);

    const mine = await upload(g.port, `zip,state,phone\n90210,CA,${phone(21)}\n`, 'campaign=auto&format=csv');
    expect(mine.status).toBe(202);
    await until(g.port, mine.body.id);
    // another seller: as unknown as an id that never was, for its progress and its results
    const theirs = await progress(g.port, mine.body.id, OTHER_SELLER_KEY);
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('UNKNOWN_UPLOAD');
    expect((await results(g.port, mine.body.id, OTHER_SELLER_KEY)).status).toBe(404);
    expect((await progress(g.port, 'up_AAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await progress(g.port, '..%2F..%2Fetc')).status).toBe(404);
    // the operator's key is served on the operator listener, and sees every seller's upload
    expect((await progress(g.port, mine.body.id, ADMIN_KEY)).status).toBe(403);
    const op = await progress(g.operatorPort, mine.body.id, ADMIN_KEY);
    expect(op.status).toBe(200);
    expect(op.body).toMatchObject({ seller: 'pub1', state: 'done', sold: 1 });
    // the listings: a seller's own uploads only; the operator's all of them, or one seller's
    const theirsToo = await upload(g.port, `zip,state,phone\n90210,CA,${phone(22)}\n`, 'campaign=auto&format=csv', OTHER_SELLER_KEY);
    expect(theirsToo.status).toBe(202);
    const list = (port: number, key: string, query = '') => fetch(`http://127.0.0.1:${port}/v1/uploads${query}`, { headers: { authorization: `Bearer ${key}` } }).then(async (x) => ((await x.json()) as { uploads: { id: string }[] }).uploads.map((u) => u.id));
    expect(await list(g.port, SELLER_KEY)).toEqual([mine.body.id]);
    expect(await list(g.port, OTHER_SELLER_KEY)).toEqual([theirsToo.body.id]);
    expect((await list(g.operatorPort, ADMIN_KEY)).sort()).toEqual([mine.body.id, theirsToo.body.id].sort());
    expect(await list(g.operatorPort, ADMIN_KEY, '?seller=pub2')).toEqual([theirsToo.body.id]);
  });

  it('the operator uploads for a seller it names, and that seller sees it', async () => {
    const { g } = await market(store);
    const noSeller = await upload(g.operatorPort, 'zip,state,phone\n', 'campaign=auto&format=csv', ADMIN_KEY);
    expect(noSeller.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: 'seller' }] });
    const sent = await upload(g.operatorPort, `zip,state,phone\n90210,CA,${phone(31)}\n`, 'campaign=auto&format=csv&seller=pub2', ADMIN_KEY);
    expect(sent.status).toBe(202);
    expect(sent.body.seller).toBe('pub2');
    const done = await until(g.port, sent.body.id, OTHER_SELLER_KEY);
    expect(done).toMatchObject({ state: 'done', sold: 1 });
    expect((await progress(g.port, sent.body.id, SELLER_KEY)).status).toBe(404);
  });
});
