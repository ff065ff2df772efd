import { afterEach, describe, expect, it } from 'vitest';
import { armOf } from '../../src/config/experiment-arm.js';
import { parseConfig } from '../../src/config/load-config.js';
import { compileRuntime } from '../../src/config/runtime.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Gavel } from '../../src/gavel.js';
import type { TraceSegment } from '../../src/trace/lead-trace.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { startEmbeddedExchange, startRedisPostgresExchange } from '../support/admin-api.js';
import { call, dropSchema, fullLead, pingLead, readTrace, stopExchange, testConfig, testSchema } from '../support/exchange.js';

const open: { g?: Gavel; buyers: TestBuyer[]; close?: () => Promise<void> } = { buyers: [] };
afterEach(async () => {
  if (open.g) await stopExchange(open.g);
  await open.close?.();
  for (const b of open.buyers.splice(0)) await b.close();
  open.g = undefined;
  open.close = undefined;
});

/** arm `high`'s floor: the bids of leads aged under 50 fall under it */
const HIGH_FLOOR = 5;
/** a lead's bid is its age over ten: 2 to 7.9 */
const bidOf = (age: number) => age / 10;

/** The test campaign with no floor of its own, split half and half: the control, and `high` with its floor. */
function splitConfig(url: string): ConfigInput {
  return testConfig([{ id: 'acme', url }], { floor: 0, margin: 0.2, experiment: { id: 'floor-test', arms: [{ name: 'control', share: 50 }, { name: 'high', share: 50, floor: HIGH_FLOOR }] } });
}

async function start(kind: 'embedded' | 'redis+postgres', config: ConfigInput): Promise<Gavel> {
  if (kind === 'embedded') {
    const s = await startEmbeddedExchange(config);
    open.close = s.close;
    return (open.g = s.g);
  }
  const schema = testSchema();
  const s = await startRedisPostgresExchange(config, schema);
  open.close = async () => {
    await s.close();
    await dropSchema(schema);
  };
  return (open.g = s.g);
}

interface Lead {
  id: string;
  bid: number;
  answered: 'bid' | 'no_bid';
  sold: boolean;
}

/** `n` leads of ages spread over 20 to 79, each pinged and, when bid on, posted. */
async function traffic(g: Gavel, n: number): Promise<Lead[]> {
  const leads: Lead[] = [];
  for (let i = 0; i < n; i++) {
    const lead = fullLead({ age: 20 + ((i * 7) % 60) });
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.status).toBe(200);
    let sold = false;
    if (ping.body.status === 'bid') sold = (await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body.status === 'sold';
    leads.push({ id: ping.body.ping_id, bid: bidOf(lead.age as number), answered: ping.body.status, sold });
  }
  return leads;
}

describe('A/B tests live', () => {
  for (const kind of ['embedded', 'redis+postgres'] as const) {
    it(`${kind}: each lead runs under one arm, its ping and its post alike, by its id; the high floor's arm refuses the bids under it`, async () => {
      const buyer = await startBuyer((c) => ({ body: { bid: bidOf(Number((c.body.lead as { age: number }).age)) } }));
      open.buyers.push(buyer);
      const config = splitConfig(buyer.url);
      const g = await start(kind, config);
      const leads = await traffic(g, 40);
      const campaign = compileRuntime(parseConfig(config), undefined).campaigns.get('auto')!;
      const arms = new Map<string, number>();
      for (const lead of leads) {
        const segs = (await readTrace(g, lead.id)).body.segments as TraceSegment[];
        // the ping, and its post when it was posted: each names the same test and arm
        expect(segs.map((s) => s.phase)).toEqual(lead.answered === 'bid' ? ['ping', 'post'] : ['ping']);
        const arm = armOf(campaign, lead.id)!;
        for (const s of segs) expect(s).toMatchObject({ experiment: 'floor-test', arm });
        arms.set(arm, (arms.get(arm) ?? 0) + 1);
        // the control sells every lead; `high` only those bid at or over its floor
        const expected = arm === 'control' || lead.bid >= HIGH_FLOOR;
        expect(lead.answered).toBe(expected ? 'bid' : 'no_bid');
        expect(lead.sold).toBe(expected);
      }
      // both arms ran, and the floor cost `high` some leads
      expect(arms.get('control')).toBeGreaterThan(5);
      expect(arms.get('high')).toBeGreaterThan(5);
      expect(leads.some((l) => armOf(campaign, l.id) === 'high' && !l.sold)).toBe(true);
    });
  }
});
