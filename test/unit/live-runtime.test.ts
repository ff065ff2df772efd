import { describe, expect, it } from 'vitest';
import { BuyerGuards } from '../../src/buyers/buyer-guards.js';
import type { BuyerTransport, Pass } from '../../src/buyers/transport.js';
import { LiveRuntime } from '../../src/config/live-runtime.js';
import { parseConfig } from '../../src/config/load-config.js';
import { compileRuntime, type BuyerRuntime, type Runtime } from '../../src/config/runtime.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { LiveBuyers, refuseUnswappable, SwapRefused } from '../../src/live-buyers.js';
import { stageConfig } from './stage-fixtures.js';

function runtimeOf(config: ConfigInput): Runtime {
  return compileRuntime(parseConfig(config), undefined);
}
const buyer = (id: string, url: string, extra: Record<string, unknown> = {}) => ({ id, campaigns: ['auto'], ping_url: `${url}/ping`, post_url: `${url}/post`, ...extra });
const FAIL: Pass = { kind: 'pass', pass: 'TIMEOUT', reason: undefined, ms: 100 };

/** a transport that only says it was made and closed */
function fakeTransport(b: BuyerRuntime, made: string[], closed: string[]): BuyerTransport {
  made.push(`${b.id}@${b.config.ping_url}`);
  return { abortable: false, queued: () => 0, close: async () => void closed.push(`${b.id}@${b.config.ping_url}`) } as unknown as BuyerTransport;
}

describe('LiveRuntime', () => {
  it('swaps in one step, counts versions and tells its listeners after the swap', () => {
    const one = runtimeOf(stageConfig([buyer('a', 'http://a')]));
    const two = runtimeOf(stageConfig([buyer('b', 'http://b')]));
    const live = new LiveRuntime(one);
    const seen: [number, number][] = [];
    live.onSwap((n, p) => seen.push([p.version, n.version]));
    const before = live.current();
    expect(before).toMatchObject({ runtime: one, version: 1 });
    live.swap(two);
    expect(live.current()).toMatchObject({ runtime: two, version: 2 });
    expect(before.runtime).toBe(one); // what a lead read before the swap is still its version
    expect(seen).toEqual([[1, 2]]);
  });
});

describe('LiveBuyers across a swap', () => {
  it('an unchanged buyer keeps its transport, its breaker state and its pings in flight; a new buyer gets both', () => {
    const c = buyer('c', 'http://c', { max_in_flight: 1 });
    const one = runtimeOf(stageConfig([buyer('a', 'http://a', { breaker: { failures: 2 }, max_in_flight: 5 }), c]));
    const guards = new BuyerGuards(one.buyers, () => undefined);
    const made: string[] = [];
    const closed: string[] = [];
    const open = (b: BuyerRuntime) => fakeTransport(b, made, closed);
    const transports = new Map(one.buyers.map((b) => [b.id, open(b)]));
    const live = new LiveBuyers(transports, new Map(), guards, open);
    const aTransport = transports.get('a');
    // a's breaker opens, and one ping of it is in flight
    for (let i = 0; i < 2; i++) {
      expect(guards.take('a', 1000)).toBeNull();
      guards.settle('a', FAIL, 1000, 1000);
    }
    expect(guards.take('a', 1001)).toBe('BREAKER_OPEN');
    expect(guards.take('c', 1001)).toBeNull();

    const two = runtimeOf(stageConfig([buyer('a', 'http://a', { breaker: { failures: 2 }, max_in_flight: 5 }), c, buyer('b', 'http://b')]));
    live.update(one, two);
    expect(guards.take('c', 1002)).toBe('MAX_IN_FLIGHT'); // its ping taken under version 1 is still in flight
    expect(transports.get('a')).toBe(aTransport);
    expect(guards.take('a', 1002)).toBe('BREAKER_OPEN');
    expect(transports.has('b')).toBe(true);
    expect(guards.take('b', 1002)).toBeNull();
    expect(made).toEqual(['a@http://a/ping', 'c@http://c/ping', 'b@http://b/ping']);
    expect(closed).toEqual([]);
  });

  it('a buyer whose URL changed gets a new transport; the old one is closed, not before the shutdown asks', async () => {
    const one = runtimeOf(stageConfig([buyer('a', 'http://a')]));
    const guards = new BuyerGuards(one.buyers, () => undefined);
    const made: string[] = [];
    const closed: string[] = [];
    const open = (b: BuyerRuntime) => fakeTransport(b, made, closed);
    const transports = new Map(one.buyers.map((b) => [b.id, open(b)]));
    const live = new LiveBuyers(transports, new Map(), guards, open);
    const two = runtimeOf(stageConfig([buyer('a', 'http://a2')]));
    live.update(one, two);
    expect(made).toEqual(['a@http://a/ping', 'a@http://a2/ping']);
    expect(closed).toEqual([]); // a lead of version 1 may still be calling it
    await live.close();
    expect(closed).toEqual(['a@http://a/ping']);
  });

  it('takes a change of a campaign\'s scoring or ranking, a new buyer and loss notices; refuses the process sections and the secret', () => {
    const one = runtimeOf(stageConfig([buyer('a', 'http://a')]));
    const ranked = runtimeOf(stageConfig([buyer('a', 'http://a'), buyer('b', 'http://b')], { rank_by: 'expected_value' }));
    expect(() => refuseUnswappable(one, ranked)).not.toThrow();
    const scored = runtimeOf(stageConfig([buyer('a', 'http://a')], { scoring: { rules: [{ field: 'zip', equals: '90210', points: 1 }] } }));
    expect(() => refuseUnswappable(one, scored)).not.toThrow();
    const listening = runtimeOf(stageConfig([{ ...buyer('a', 'http://a'), loss_notices: { url: 'http://a/lost', secret: 'loss-notice-secret-0123' } }]));
    expect(() => refuseUnswappable(one, listening)).not.toThrow();
    const traced = runtimeOf({ ...stageConfig([buyer('a', 'http://a')]), trace: { enabled: false } });
    expect(() => refuseUnswappable(one, traced)).toThrow(SwapRefused);
    expect(() => refuseUnswappable(one, traced)).toThrow(/without a restart: trace: the process's own settings apply at start only/);
    const pooled = runtimeOf({ ...stageConfig([buyer('a', 'http://a')]), scoring_pool: { threads: 2 } });
    expect(() => refuseUnswappable(one, pooled)).toThrow(/without a restart: scoring_pool/);
    const rated = runtimeOf({ ...stageConfig([buyer('a', 'http://a')]), accept_rate: { prior: 0.3 } });
    expect(() => refuseUnswappable(one, rated)).toThrow(/without a restart: accept_rate/);
    const other = runtimeOf({ ...stageConfig([buyer('a', 'http://a')]), secret: 'another-secret-of-32-characters-0000' });
    expect(() => refuseUnswappable(one, other)).toThrow(/secret/);
  });
});
