import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../../src/core/paths.js';

/** Where a run leaves its results unless told otherwise. */
export const RESULTS_DIR = join(ROOT, 'bench', 'results');

/** One file of a run's results: where it goes, what it says. */
export interface ResultFile {
  path: string;
  text: string;
}

/** The bench's one report writer: every file of a run, its folder made first (a fresh clone has none). */
export function writeResults(files: readonly ResultFile[]): void {
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.text);
  }
}
