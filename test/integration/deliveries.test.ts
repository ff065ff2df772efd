import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoldLead } from '../../src/auction/stage-parts.js';
import { parseConfig } from '../../src/config/load-config.js';
import { Deliveries } from '../../src/delivery/deliveries.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { testConfig } from '../support/test-config.js';
import { startRelay, type TestRelay } from '../support/smtp-relay.js';

const SECRET = 'deliveries-secret-0123456789';
let relay: TestRelay;
let crm: { url: string; bodies: string[]; close(): Promise<void> };
beforeAll(async () => {
  relay = await startRelay((m) => (m.rcpt.includes('gone@buyer.test') ? { code: 550, message: 'No such mailbox' } : 'accept'));
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => {
      bodies.push(b);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  crm = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/crm`, bodies, close: () => new Promise<void>((r) => server.close(() => r())) };
});
afterAll(async () => {
  await relay.close();
  await crm.close();
});

/** Buyer a (e-mail to a mailbox that does not exist) and buyer b (a webhook of the lead's id alone, signed with its loss_notices secret). */
function config(extra: Record<string, unknown> = {}) {
  const input = testConfig([{ id: 'a', url: 'http://127.0.0.1:9/a' }, { id: 'b', url: 'http://127.0.0.1:9/b' }]);
  Object.assign(input.buyers[0]!, { email: { to: ['gone@buyer.test'], subject: 'Lead {{lead_id}}' } });
  Object.assign(input.buyers[1]!, { webhook: { url: crm.url, body: 'id' }, loss_notices: { url: crm.url, secret: 'loss-notice-secret-0123' } });
  return parseConfig({ ...input, redis: undefined, smtp: { host: relay.host, port: relay.port, user: relay.user, password: relay.password, from: 'leads@gavel.test', tls_ca: relay.ca }, ...extra });
}

function sale(buyer: string, leadId: string): SoldLead {
  return { leadId, buyer, campaign: 'auto', seller: 'pub1', subId: null, priceMicros: 7_500_000, grade: null, test: false, lead: { zip: '90210', state: 'CA', age: 40, name: 'Ada Lovelace', phone: '5550001111' }, at: Date.now(), pingReceivedAt: Date.now() };
}

async function settled(d: Deliveries, leadId: string) {
  const end = Date.now() + 10_000;
  for (;;) {
    const ds = await d.ofLead(leadId);
    if (ds.length > 0 && ds.every((x) => x.state !== 'retrying')) return ds;
    if (Date.now() > end) throw new Error(`not settled: ${JSON.stringify(ds)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('deliveries of sold leads', () => {
  it('a relay\'s 5xx gives the e-mail up at its first try, logged without the lead; a webhook of the id alone carries no personal data', async () => {
    const store = new MemoryStore();
    const metrics = createMetrics();
    const lines: string[] = [];
    const log = createLogger([], 'info', { write: (l: string) => void lines.push(l) });
    const d = new Deliveries(config(), SECRET, store, { consumer: 'me', pollMs: 20, reclaimMs: 60_000 }, 60_000, metrics, log);
    d.start();
    try {
      d.sold(sale('a', 'lead-1'));
      d.sold(sale('b', 'lead-2'));
      expect(await settled(d, 'lead-1')).toEqual([expect.objectContaining({ buyer: 'a', channel: 'email', state: 'given_up', attempts: 1, last_status: 550, last_error: expect.stringMatching(/No such mailbox/) })]);
      expect(await settled(d, 'lead-2')).toEqual([expect.objectContaining({ buyer: 'b', channel: 'webhook', state: 'delivered', attempts: 1, last_status: 204 })]);
      const hook = JSON.parse(crm.bodies.at(-1)!) as Record<string, unknown>;
      expect(hook).toEqual({ event_id: 'lead.bought:lead-2', type: 'lead.bought', lead_id: 'lead-2', campaign: 'auto', price: 7.5, grade: null, test: false, at: expect.any(String) });
      const given = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'delivery given up');
      expect(given).toMatchObject({ buyer: 'a', lead_id: 'lead-1', channel: 'email', attempts: 1 });
      expect(lines.join('')).not.toMatch(/Lovelace|5550001111/);
      expect(await metrics.registry.getSingleMetricAsString('gavel_deliveries_total')).toMatch(/channel="email",result="given_up"} 1/);
    } finally {
      d.close();
      await store.close();
    }
  });

  it('at most maxSending tries at once: a burst of sales opens no more relay connections than that, and the rest follow', async () => {
    let holding = true;
    const slow = await startRelay(() => (holding ? 'hold' : 'accept'));
    const store = new MemoryStore();
    const input = config();
    const c = { ...input, smtp: { ...input.smtp!, port: slow.port }, buyers: input.buyers.map((b) => (b.id === 'a' ? { ...b, email: { ...b.email!, to: ['leads@a.test'] } } : b)) };
    const d = new Deliveries(c, SECRET, store, { consumer: 'me', pollMs: 20, reclaimMs: 300, maxSending: 2 }, 60_000, createMetrics(), createLogger([], 'silent'));
    try {
      for (let i = 0; i < 5; i++) d.sold(sale('a', `burst-${i}`));
      d.start();
      await slow.waitFor(2);
      await new Promise((r) => setTimeout(r, 500));
      expect(slow.held).toBe(2);
      holding = false;
      slow.release();
      // the three left in the queue come back once they have waited reclaimMs
      await slow.waitFor(5);
      for (let i = 0; i < 5; i++) expect((await settled(d, `burst-${i}`))[0]).toMatchObject({ state: 'delivered' });
      expect(new Set(slow.received.map((m) => m.parsed.subject)).size).toBe(5);
    } finally {
      d.close();
      await store.close();
      await slow.close();
    }
  });

  it('a delivery whose buyer no longer takes that channel is given up with the reason; an entry sealed under another secret is set aside', async () => {
    const store = new MemoryStore();
    const log = createLogger([], 'silent');
    const d = new Deliveries(config(), SECRET, store, { consumer: 'me', pollMs: 20, reclaimMs: 60_000 }, 60_000, createMetrics(), log);
    const other = new Deliveries(config(), 'another-secret-0123456789', store, { consumer: 'other', pollMs: 20, reclaimMs: 60_000 }, 60_000, createMetrics(), log);
    try {
      // queued now, tried after the buyer's e-mail was dropped from the configuration
      d.sold(sale('a', 'lead-3'));
      const without = config();
      d.reconfigure({ ...without, buyers: without.buyers.map((b) => (b.id === 'a' ? { ...b, email: undefined } : b)) });
      d.start();
      expect(await settled(d, 'lead-3')).toEqual([expect.objectContaining({ state: 'given_up', attempts: 1, last_error: 'the buyer no longer takes e-mail' })]);
      // a process with another secret cannot open it: off the queue, nothing sent, nothing recorded
      d.close();
      other.sold(sale('b', 'lead-4'));
      const before = crm.bodies.length;
      const reader = new Deliveries(config(), SECRET, store, { consumer: 'me', pollMs: 20, reclaimMs: 60_000 }, 60_000, createMetrics(), log);
      reader.start();
      await new Promise((r) => setTimeout(r, 300));
      reader.close();
      expect(crm.bodies.length).toBe(before);
      expect(await d.ofLead('lead-4')).toEqual([]);
      expect(await store.dequeue('deliveries', 'x', 10, 0)).toEqual([]);
    } finally {
      d.close();
      other.close();
      await store.close();
    }
  });
});
