import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { compileRuntime, type Runtime } from '../../src/config/runtime.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { ROOT } from '../../src/core/paths.js';
import { SwapRefused } from '../../src/live-buyers.js';
import { LiveScoring, type OpenPool } from '../../src/live-scoring.js';
import { ScorePool } from '../../src/scoring/score-pool.js';
import { stageConfig } from '../unit/stage-fixtures.js';

/**
 * Each version's scoring pool across swaps, on real Piscina threads running the built worker
 * (dist/workers/score-leads.js): this file is in the services lane, whose setup builds dist/.
 */
const SETTINGS = { threads: 1, max_queue: 16, batch_size: 8, batch_window_ms: 0 };
const rules = (min: number, max: number): ConfigInput['campaigns'][number]['scoring'] => ({ rules: [{ field: 'age', min, max, points: 1 }] });
const runtimeOf = (scoring?: ReturnType<typeof rules>): Runtime =>
  compileRuntime(parseConfig(stageConfig([{ id: 'a' }], scoring === undefined ? {} : { scoring })), undefined);

/** every pool a test opened, closed after it whatever happened; those LiveScoring closed itself */
const opened: ScorePool[] = [];
const closed = new Set<ScorePool>();
const open: OpenPool = (scoring) => {
  const p = new ScorePool(scoring, SETTINGS);
  const close = p.close.bind(p);
  p.close = () => (closed.add(p), close());
  opened.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(opened.splice(0).map((p) => p.close().catch(() => undefined)));
  closed.clear();
});

const scoreOf = async (pool: ScorePool | null, age: number) => {
  const o = await pool!.score('auto', { age }).done;
  return o.kind === 'scored' ? o.score : o.reason;
};

describe('the scoring pool of each configuration version (real threads)', () => {
  it('a version whose scoring changed scores on a new pool; a lead of the previous version keeps the old one until it is let go', async () => {
    const one = runtimeOf(rules(30, 50));
    const scores = await LiveScoring.start(one, open);
    const first = scores.of(one);
    expect(await scoreOf(first, 40)).toBe(1);

    const two = runtimeOf(rules(18, 25));
    const prepared = await scores.prepare(two);
    expect(prepared.fresh).toBe(true);
    // prepared, not committed: version 1 is still the only one with a pool
    expect(scores.of(two)).toBeNull();
    scores.commit(two, prepared, 300);
    expect(scores.of(two)).not.toBe(first);
    expect(await scoreOf(scores.of(two), 40)).toBe(0); // the new rules
    expect(await scoreOf(scores.of(two), 20)).toBe(1);
    // a lead of version 1 still running scores on version 1's pool, with its rules
    expect(scores.of(one)).toBe(first);
    expect(await scoreOf(scores.of(one), 40)).toBe(1);
    expect(scores.retiring).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(closed.has(first!)).toBe(false); // within the grace a lead may still score on it
    await new Promise((r) => setTimeout(r, 350));
    // past the longest lead the old pool is closed, and only it
    expect(scores.retiring).toBe(0);
    expect(closed.has(first!)).toBe(true);
    expect(closed.has(scores.of(two)!)).toBe(false);
    await scores.close();
    expect(closed.has(scores.of(two)!)).toBe(true);
  });

  it('a version with the same scoring shares the running pool: no thread restarts', async () => {
    const one = runtimeOf(rules(30, 50));
    const scores = await LiveScoring.start(one, open);
    const two = runtimeOf(rules(30, 50));
    const prepared = await scores.prepare(two);
    expect(prepared.fresh).toBe(false);
    scores.commit(two, prepared, 10);
    expect(scores.of(two)).toBe(scores.of(one));
    expect(opened).toHaveLength(1);
    expect(scores.retiring).toBe(0);
    await scores.close();
  });

  it('scoring added to a process that started with none, and taken away again', async () => {
    const none = runtimeOf();
    const scores = await LiveScoring.start(none, open);
    expect(scores.of(none)).toBeNull();
    const scored = runtimeOf(rules(30, 50));
    scores.commit(scored, await scores.prepare(scored), 10);
    expect(await scoreOf(scores.of(scored), 35)).toBe(1);
    const again = runtimeOf();
    scores.commit(again, await scores.prepare(again), 10);
    expect(scores.of(again)).toBeNull();
    expect(scores.live).toBeNull();
    await scores.close();
  });

  it('models whose threads cannot load them refuse the swap with nothing changed', async () => {
    const one = runtimeOf(rules(30, 50));
    const broken: OpenPool = (scoring) => {
      const p = new ScorePool(scoring, SETTINGS, undefined, join(ROOT, 'dist', 'workers', 'no-such-worker.js'));
      opened.push(p);
      return p;
    };
    const scores = await LiveScoring.start(one, open);
    // the same process, its next pools failing to load (a worker that is not there)
    (scores as unknown as { open: OpenPool }).open = broken;
    const two = runtimeOf(rules(18, 25));
    await expect(scores.prepare(two)).rejects.toBeInstanceOf(SwapRefused);
    await expect(scores.prepare(two)).rejects.toThrow(/cannot go live: the scoring pool's threads could not load/);
    expect(scores.of(two)).toBeNull();
    expect(await scoreOf(scores.live, 40)).toBe(1); // the running pool untouched
    await scores.close();
  });
});
