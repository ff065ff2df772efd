import { afterEach, describe, expect, it } from 'vitest';
import { AcceptRates } from '../../src/market/accept-rates.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { runtimeOf, stageConfig } from './stage-fixtures.js';

const runtime = runtimeOf({ ...stageConfig([{ id: 'a' }, { id: 'b' }]), accept_rate: { prior: 0.8, prior_weight: 5 } });
const HALF_LIFE = runtime.acceptRate.halfLifeMs;
const open: AcceptRates[] = [];
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

function ratesOf(store: MemoryStore, buyers: string[]): AcceptRates {
  const r = new AcceptRates(runtime, store, buyers, () => undefined);
  open.push(r);
  return r;
}

describe('accept rates of buyers a configuration swap ranks by expected value', () => {
  it('a buyer tracked later is read from the store, as one known at start; before its records are read, and with none, it is at the prior', async () => {
    const store = new MemoryStore();
    const now = Date.now();
    // another process saw both buyers' posts: a accepted 5 of 5, b rejected 5 of 5
    for (let i = 0; i < 5; i++) {
      await store.recordPostOutcome('a', ['*'], 'accepted', now, HALF_LIFE);
      await store.recordPostOutcome('b', ['*'], 'rejected', now, HALF_LIFE);
    }
    const rates = ratesOf(store, ['a']);
    rates.start();
    await rates.refresh();
    expect(rates.chance('a', null, now)).toBeCloseTo((5 + 5 * 0.8) / (5 + 5), 6);
    expect(rates.chance('b', null, now)).toBe(0.8); // not tracked: the prior, whatever the store knows

    rates.track(['a', 'b', 'c']);
    expect([...rates.tracked]).toEqual(['a', 'b', 'c']);
    await new Promise((r) => setTimeout(r, 10)); // the newly tracked buyers' records, read at once
    expect(rates.chance('b', null, now)).toBeCloseTo((0 + 5 * 0.8) / (5 + 5), 6);
    expect(rates.chance('c', null, now)).toBe(0.8); // no posts anywhere: the prior, as for a buyer known at start
  });

  it('a process that tracked no buyer at start starts reading once a swap gives it some', async () => {
    const store = new MemoryStore();
    const now = Date.now();
    await store.recordPostOutcome('b', ['*'], 'rejected', now, HALF_LIFE);
    const rates = ratesOf(store, []);
    rates.start();
    rates.track(['b']);
    await new Promise((r) => setTimeout(r, 10));
    expect(rates.chance('b', null, now)).toBeCloseTo((0 + 5 * 0.8) / (1 + 5), 6);
  });

  it('after close, tracking reads nothing', async () => {
    const store = new MemoryStore();
    await store.recordPostOutcome('b', ['*'], 'rejected', Date.now(), HALF_LIFE);
    const rates = ratesOf(store, []);
    rates.start();
    rates.close();
    rates.track(['b']);
    await new Promise((r) => setTimeout(r, 10));
    expect(rates.chance('b', null, Date.now())).toBe(0.8);
  });
});
