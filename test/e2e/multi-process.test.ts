import { afterAll, describe, expect, it } from 'vitest';
import { startBuyer } from '../support/buyer-server.js';
import { call, cleanPrefix, fullLead, pingLead, testConfig, testPrefix } from '../support/exchange.js';
import { spawnGavel, writeConfig, type GavelProcess } from '../support/process.js';

const procs: GavelProcess[] = [];
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL');
  for (const c of cleanup) await c();
});

describe('two Gavel processes on one Redis', () => {
  it('a ping answered by one process is posted on the other and sells; dedup and caps span both', async () => {
    const buyer = await startBuyer(() => ({ body: { bid: 11 } }));
    const prefix = testPrefix();
    cleanup.push(() => buyer.close(), () => cleanPrefix(prefix));
    const path = writeConfig(testConfig([{ id: 'acme', url: buyer.url, caps: { daily: 3 } }], {}, prefix));
    const [a, b] = await Promise.all([spawnGavel(path), spawnGavel(path)]);
    procs.push(a, b);
    expect(a.port).not.toBe(b.port);

    const lead = fullLead();
    const ping = await call(a.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body).toMatchObject({ status: 'bid', price: 8.8 });
    const post = await call(b.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.body).toEqual({ status: 'sold', lead_id: ping.body.ping_id, price: 8.8 });
    expect(buyer.posts).toHaveLength(1);
    expect((await call(a.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body.error.code).toBe('ALREADY_POSTED');

    // twins split across the two processes: one passes
    const twin = fullLead();
    const twins = await Promise.all([call(a.port, '/v1/ping', { campaign: 'auto', lead: twin }), call(b.port, '/v1/ping', { campaign: 'auto', lead: twin })]);
    expect(twins.map((t) => t.body.status).sort()).toEqual(['bid', 'duplicate']);

    // cap of 3 across both processes: 1 sold + 1 held by the twin's bid leave room for exactly 1 more
    const rush = await Promise.all(Array.from({ length: 10 }, (_, i) => call(i % 2 ? a.port : b.port, '/v1/leads', { campaign: 'auto', lead: fullLead() })));
    expect(rush.filter((r) => r.body.status === 'sold')).toHaveLength(1);
  });
});
