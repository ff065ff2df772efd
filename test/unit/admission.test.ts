import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { admit, openRun } from '../../src/auction/admission.js';
import type { PingEnvelope } from '../../src/protocol/seller-api.js';
import { counted, fullLead, partsOf, pingLead, runtimeOf, sellerOf, stageConfig, traceOf } from './stage-fixtures.js';

const envelope = (lead: Record<string, unknown>, over: Partial<PingEnvelope> = {}): PingEnvelope => ({ campaign: 'auto', lead, test: false, ...over });

function setup(sellerConfig: Record<string, unknown> = {}) {
  const runtime = runtimeOf(stageConfig([{ id: 'a' }], {}, sellerConfig));
  const parts = partsOf(runtime);
  const seller = sellerOf(runtime);
  /** a direct post of `env` received now, opened and admitted */
  const direct = async (env: PingEnvelope, receivedAt = performance.now()) => {
    const trace = traceOf('leads');
    const run = openRun(runtime, seller, 'leads', env, receivedAt, trace);
    return { run, trace, admitted: await admit(run, parts) };
  };
  return { runtime, parts, seller, direct };
}

describe('admission', () => {
  it('a first lead is admitted: its identifiers claimed and hashed for the buyers', async () => {
    const { direct } = setup();
    const { run, trace, admitted } = await direct(envelope(fullLead()));
    expect(admitted).toBe('ok');
    expect(trace.seg.dedup).toBe('ok');
    expect(run.digests.claims).toHaveLength(1);
    expect(run.bought).toEqual([]); // no buyer-scope rule
  });

  it('a second lead with the same phone is a DUPLICATE, counted and traced', async () => {
    const { direct, parts } = setup();
    const lead = fullLead();
    expect((await direct(envelope(lead))).admitted).toBe('ok');
    const second = await direct(envelope({ ...lead, name: 'Someone Else', email: 'else@example.com' }));
    expect(second.admitted).toBe('DUPLICATE');
    expect(second.trace.seg.dedup).toBe('DUPLICATE');
    expect(await counted(parts.metrics.duplicates, { campaign: 'auto' })).toBe(1);
  });

  it('the same message sent again is RESUBMITTED, judged before any identifier is claimed', async () => {
    const { direct, parts } = setup();
    const env = envelope(fullLead());
    expect((await direct(env)).admitted).toBe('ok');
    const again = await direct(env);
    expect(again.admitted).toBe('RESUBMITTED');
    expect(again.trace.seg.dedup).toBe('RESUBMITTED');
    expect(await counted(parts.metrics.duplicates, { campaign: 'auto' })).toBe(0);
  });

  it('two pings of partial leads alike are two consumers, not a resubmission', async () => {
    const { runtime, seller, parts } = setup();
    const env = envelope(pingLead(fullLead()));
    for (let i = 0; i < 2; i++) {
      const run = openRun(runtime, seller, 'ping', env, performance.now(), traceOf('ping'));
      expect(await admit(run, parts)).toBe('ok');
    }
  });

  it('a seller over its rate limit is refused with RATE_LIMITED and claims nothing', async () => {
    const { direct, runtime, seller, parts } = setup({ rate_limit: '1/m' });
    expect((await direct(envelope(fullLead()))).admitted).toBe('ok');
    const trace = traceOf('leads');
    const run = openRun(runtime, seller, 'leads', envelope(fullLead()), performance.now(), trace);
    await expect(admit(run, parts)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(trace.seg.dedup).toBe('RATE_LIMITED');
    // the refused lead's phone was not claimed: another lead may claim it now
    const [claim] = run.digests.claims;
    expect(await parts.store.claimDedup(claim!.scopeKey, claim!.digests, 'another-lead', claim!.windowMs, Date.now())).toBe(true);
  });

  it('a deadline that leaves no buyer time is a NO_BID at once: nothing claimed', async () => {
    const { direct } = setup();
    const lead = fullLead();
    const late = await direct(envelope(lead, { tmax_ms: 20 }), performance.now() - 50);
    expect(late.admitted).toBe('NO_BID');
    expect(late.trace.seg.dedup).toBe(null);
    expect((await direct(envelope(lead))).admitted).toBe('ok');
  });

  it('an unknown campaign, or one the seller may not sell in, is UNKNOWN_CAMPAIGN; a bad lead is INVALID_LEAD and traced', () => {
    const { runtime, seller } = setup();
    expect(() => openRun(runtime, seller, 'ping', envelope(pingLead(fullLead()), { campaign: 'boats' }), performance.now(), traceOf('ping'))).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_CAMPAIGN' }),
    );
    const { runtime: limited, seller: other } = setup({ campaigns: ['auto'] });
    expect(openRun(limited, other, 'ping', envelope(pingLead(fullLead())), performance.now(), traceOf('ping')).campaign.id).toBe('auto');
    const trace = traceOf('ping');
    expect(() => openRun(runtime, seller, 'ping', envelope({ zip: 'nope', state: 'CA' }), performance.now(), trace)).toThrow(expect.objectContaining({ code: 'INVALID_LEAD' }));
    expect(trace.seg.invalid).not.toBe(null);
    // a direct post needs the full lead: a ping's fields alone are not one
    expect(() => openRun(runtime, seller, 'leads', envelope(pingLead(fullLead())), performance.now(), traceOf('leads'))).toThrow(expect.objectContaining({ code: 'INVALID_LEAD' }));
  });

  it('a run carries its deadlines: a ping answers at the auction’s end, a direct post by post_tmax_ms', () => {
    const { runtime, seller } = setup();
    const at = performance.now();
    const ping = openRun(runtime, seller, 'ping', envelope(pingLead(fullLead()), { tmax_ms: 120 }), at, traceOf('ping'));
    expect([ping.auctionEnd, ping.collectBy, ping.answerBy]).toEqual([at + 120, at + 120 - 16, at + 120]);
    expect(ping.pingFields).not.toBe(null);
    const direct = openRun(runtime, seller, 'leads', envelope(fullLead()), at, traceOf('leads'));
    expect([direct.auctionEnd, direct.collectBy, direct.answerBy]).toEqual([at + 150, at + 150 - 16, at + 10_000]);
    expect(direct.pingFields).toBe(null);
    expect(direct.floorMicros).toBe(1_000_000);
  });
});
