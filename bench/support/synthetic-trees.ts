import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { XgbNode } from '../../src/scoring/scoring-schema.js';
import { createRng } from './rng.js';

/** The demo campaign's features a model might split on, with the range its splits fall in. */
const FEATURES: [string, number, number][] = [
  ['age', 18, 90],
  ['vehicle_year', 1995, 2026],
  ['zip', 10000, 99999],
  ['state=CA', 0, 1],
  ['state=TX', 0, 1],
  ['rules', 0, 1],
];

/** The dumps this process wrote, removed when it exits (Gavel processes read them at start only). */
const written = new Set<string>();

/**
 * A gradient-boosted ensemble of the size teams ship (`trees` trees of depth `depth`), in
 * XGBoost's JSON dump format, written to a temporary file: what a scoring benchmark loads
 * instead of a real model, which it cannot ship. Seeded, so every run scores the same model.
 * The file is this process's (a bench running beside another does not read a half-written
 * one), written whole by a rename, and removed when the process exits.
 */
export function writeSyntheticXgboostDump(trees: number, depth: number, seed = 7): { file: string; features: string[] } {
  const rng = createRng(seed);
  const build = (id: number, level: number): XgbNode => {
    if (level === depth) return { nodeid: id, leaf: Math.round((rng() - 0.5) * 0.2 * 1e6) / 1e6 };
    const f = Math.floor(rng() * FEATURES.length);
    const [, lo, hi] = FEATURES[f]!;
    const yes = 2 * id + 1;
    const no = 2 * id + 2;
    return {
      nodeid: id,
      split: `f${f}`,
      split_condition: lo + rng() * (hi - lo),
      yes,
      no,
      missing: rng() < 0.5 ? yes : no,
      children: [build(yes, level + 1), build(no, level + 1)],
    };
  };
  const dump = Array.from({ length: trees }, () => build(0, 0));
  const file = join(tmpdir(), `gavel-bench-xgb-${trees}x${depth}-${seed}-${process.pid}.json`);
  // a Gavel process started by an earlier call may still be reading the same file: replace it whole
  writeFileSync(`${file}.part`, JSON.stringify(dump));
  renameSync(`${file}.part`, file);
  if (!written.has(file)) {
    written.add(file);
    process.once('exit', () => rmSync(file, { force: true }));
  }
  return { file, features: FEATURES.map(([name]) => name) };
}
