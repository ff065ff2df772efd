import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/core/paths.js';
import { ScorePool } from '../../src/scoring/score-pool.js';
import { Scoring } from '../../src/scoring/scoring-schema.js';

/**
 * The scoring pool on real Piscina threads. The threads run the built worker
 * (dist/workers/score-leads.js), so this file is in the lane whose global setup builds dist/;
 * the worker's function itself, scoreBatch, is tested in-process in test/unit/scoring.test.ts.
 */
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const fixture = (name: string) => join(ROOT, 'test', 'fixtures', name);

describe('the worker pool', () => {
  const scoring = {
    auto: Scoring.parse({ rules: [{ field: 'age', min: 30, max: 50, points: 1 }] }),
    home: Scoring.parse({ model: { type: 'trees', file: fixture('lightgbm-dump.json') } }),
  };

  it('through real Piscina threads: leads batched, each ticket settled with its own score', async () => {
    const batches: number[] = [];
    const pool = new ScorePool(scoring, { threads: 2, max_queue: 16, batch_size: 8, batch_window_ms: 0 }, (n) => batches.push(n));
    try {
      const tickets = Array.from({ length: 20 }, (_, i) => pool.score(i % 2 ? 'home' : 'auto', { age: 20 + i * 3, state: 'CA' }));
      const outcomes = await Promise.all(tickets.map((t) => t.done));
      outcomes.forEach((o, i) => {
        const age = 20 + i * 3;
        const expected = i % 2 ? sigmoid((age <= 35 ? -0.5 : 0.75) + (age <= 60 ? 0.125 : -0.0625)) : age >= 30 && age <= 50 ? 1 : 0;
        expect(o.kind).toBe('scored');
        expect(o.kind === 'scored' && o.score).toBeCloseTo(expected, 12);
      });
      expect(batches).toEqual([8, 8, 4]);
    } finally {
      await pool.close();
    }
  });
});
