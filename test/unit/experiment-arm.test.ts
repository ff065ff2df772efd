import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { armOf, campaignFor } from '../../src/config/experiment-arm.js';
import { armBucket, armSeed } from '../../src/config/experiment-hash.js';
import { parseConfig } from '../../src/config/load-config.js';
import { configProblems } from '../support/config-problems.js';
import { compileRuntime } from '../../src/config/runtime.js';
import { validateDocument } from '../../src/versions/validate-document.js';

const buyer = (id: string, extra: Record<string, unknown> = {}) => ({ id, campaigns: ['auto'], ping_url: `http://127.0.0.1:9001/${id}/ping`, post_url: `http://127.0.0.1:9001/${id}/post`, ...extra });

function config(experiment: unknown, campaign: Record<string, unknown> = {}) {
  return {
    campaigns: [{ id: 'auto', floor: 1, margin: 0.2, fields: { zip: { type: 'string', ping: true, required: true } }, ...campaign, ...(experiment !== undefined ? { experiment } : {}) }],
    sellers: [{ id: 'pub1', api_key: 'k'.repeat(20) }],
    buyers: [buyer('a'), buyer('b'), buyer('c', { price: 3 })],
  };
}

const problems = configProblems;

const twoArms = { id: 'floor-test', arms: [{ name: 'control', share: 50 }, { name: 'high', share: 50, floor: 6 }] };

describe('A/B test config', () => {
  it('an arm leaves out what the campaign decides: each arm compiles into a whole campaign with its own overrides', () => {
    const runtime = compileRuntime(
      parseConfig(
        config({
          id: 't1',
          arms: [
            { name: 'control', share: 40 },
            { name: 'b', share: 35, floor: 6, margin: { fixed: 0.5 }, pricing: { second_price: { increment: 0.05 }, max_price: 20 }, rank_by: 'expected_value' },
            { name: 'c', share: 25, distribution: [{ name: 'fixed', method: 'fixed_price', buyers: ['c'] }, { name: 'rest', method: 'round_robin' }] },
          ],
        }),
      ),
      undefined,
    );
    const c = runtime.campaigns.get('auto')!;
    expect(c.arm).toBeNull();
    const [control, b, third] = c.experiment!.arms;
    expect(control).toMatchObject({ id: 'auto', floorMicros: 1_000_000, margin: { ppm: 200_000 }, rankBy: 'bid', secondPriceIncrementMicros: null, maxPriceMicros: null, arm: { experiment: 't1', name: 'control' }, experiment: null });
    expect(control!.plan.map((t) => t.buyers.map((x) => x.id))).toEqual(c.plan.map((t) => t.buyers.map((x) => x.id)));
    expect(b).toMatchObject({ floorMicros: 6_000_000, margin: { fixedMicros: 500_000 }, rankBy: 'expected_value', secondPriceIncrementMicros: 50_000, maxPriceMicros: 20_000_000, arm: { name: 'b' } });
    // the same buyers, schema and dedup; its own plan, with turns of its own
    expect(b!.schema).toBe(c.schema);
    expect(third!.plan.map((t) => [t.name, t.method, t.buyers.map((x) => x.id), t.turnKey])).toEqual([
      ['fixed', 'fixed_price', ['c'], 'auto:c:fixed'],
      ['rest', 'round_robin', ['a', 'b'], 'auto:c:rest'],
    ]);
    expect(third!.buyers.map((x) => x.id)).toEqual(['c', 'a', 'b']);
    // 100 buckets: 40, 35 and 25 of them, in the arms' order
    const counts = [0, 0, 0];
    for (const i of c.experiment!.byBucket) counts[i]!++;
    expect(counts).toEqual([40, 35, 25]);
  });

  it("refuses shares that do not sum to 100, a name used twice, one arm or seven, and an arm's plan with a buyer not of the campaign, each at its path", () => {
    expect(problems(config({ id: 't', arms: [{ name: 'a', share: 50 }, { name: 'b', share: 40 }] }))).toEqual(["campaigns[0].experiment.arms: the arms' shares sum to 90, not 100"]);
    expect(problems(config({ id: 't', arms: [{ name: 'a', share: 50 }, { name: 'a', share: 50 }] }))).toEqual(['campaigns[0].experiment.arms[1].name: duplicate arm name "a"']);
    expect(problems(config({ id: 't', arms: [{ name: 'a', share: 100 }] }))[0]).toMatch(/^campaigns\[0\]\.experiment\.arms: /);
    expect(problems(config({ id: 't', arms: Array.from({ length: 7 }, (_, i) => ({ name: `a${i}`, share: i === 0 ? 94 : 1 })) }))[0]).toMatch(/^campaigns\[0\]\.experiment\.arms: /);
    expect(problems(config({ id: 't', arms: [{ name: 'a', share: 0 }, { name: 'b', share: 100 }] }))[0]).toMatch(/^campaigns\[0\]\.experiment\.arms\[0\]\.share: /);
    expect(problems(config({ id: 't', arms: [{ name: 'a', share: 50 }, { name: 'b', share: 50, flor: 6 }] }))).toEqual(['campaigns[0].experiment.arms[1]: Unrecognized key: "flor"']);
    expect(problems(config({ id: 't', arms: [{ name: 'a', share: 50 }, { name: 'b', share: 50, distribution: [{ name: 'x', buyers: ['zed'] }] }] }))).toEqual([
      'campaigns[0].experiment.arms[1].distribution[0].buyers[0]: "zed" is not a buyer of campaign auto',
    ]);
    // a draft shows them at their path, as the console reads them
    expect(validateDocument(config({ id: 't', arms: [{ name: 'a', share: 60 }, { name: 'b', share: 60 }] }))).toEqual([{ path: 'campaigns[0].experiment.arms', message: "the arms' shares sum to 120, not 100" }]);
    expect(validateDocument(config(twoArms))).toEqual([]);
  });
});

describe("a lead's arm", () => {
  const runtime = compileRuntime(parseConfig(config({ id: 'split', arms: [{ name: 'a', share: 20 }, { name: 'b', share: 30 }, { name: 'c', share: 50, floor: 2 }] })), undefined);
  const c = runtime.campaigns.get('auto')!;

  it('is decided by the test and the lead id alone: the same id, the same arm, in any runtime compiled from the same test', () => {
    const again = compileRuntime(parseConfig(config({ id: 'split', arms: [{ name: 'a', share: 20 }, { name: 'b', share: 30 }, { name: 'c', share: 50, floor: 2 }] })), undefined).campaigns.get('auto')!;
    for (let i = 0; i < 1000; i++) {
      const id = randomUUID();
      const arm = campaignFor(c, id);
      expect(campaignFor(c, id)).toBe(arm);
      expect(armOf(again, id)).toBe(arm.arm!.name);
      // an arm's runtime is its own answer
      expect(campaignFor(arm, id)).toBe(arm);
    }
    // fixed values, worked out by a separate implementation of FNV-1a and murmur3's finaliser:
    // the hash is part of the contract (every process, and a replay, compute it)
    expect([armBucket(armSeed('split'), '3f1c1a52-2b59-4a36-9d2f-6f1f0b8a7c11'), armBucket(armSeed('other'), '3f1c1a52-2b59-4a36-9d2f-6f1f0b8a7c11')]).toEqual(KNOWN_BUCKETS);
  });

  it('a campaign with no test is its own runtime, with no arm', () => {
    const plain = compileRuntime(parseConfig(config(undefined)), undefined).campaigns.get('auto')!;
    expect(campaignFor(plain, randomUUID())).toBe(plain);
    expect(armOf(plain, 'x')).toBeNull();
  });

  it('respects the shares within tolerance over 10,000 ids, random or sequential, and two tests split the same ids independently', () => {
    const n = 10_000;
    // 4 standard deviations of a binomial share: a fair hash fails this about once in 15,000 runs
    const within = (count: number, share: number) => Math.abs(count / n - share) <= 4 * Math.sqrt((share * (1 - share)) / n);
    for (const ids of [Array.from({ length: n }, () => randomUUID()), Array.from({ length: n }, (_, i) => `lead-${i}`)]) {
      const counts = new Map<string, number>();
      for (const id of ids) counts.set(armOf(c, id)!, (counts.get(armOf(c, id)!) ?? 0) + 1);
      expect(within(counts.get('a')!, 0.2)).toBe(true);
      expect(within(counts.get('b')!, 0.3)).toBe(true);
      expect(within(counts.get('c')!, 0.5)).toBe(true);
      // another test's 50/50 split of the same ids is independent of this one's
      const other = compileRuntime(parseConfig(config(twoArms)), undefined).campaigns.get('auto')!;
      const inA = ids.filter((id) => armOf(c, id) === 'a');
      const highOfA = inA.filter((id) => armOf(other, id) === 'high').length;
      expect(Math.abs(highOfA / inA.length - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / inA.length));
    }
  });
});

const KNOWN_BUCKETS = [17, 4];
