import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDecision } from '../support/dist-guard.js';

/** A project of its own in a temp directory: sources, tsconfig.json and a dist/, each file at a time we set. */
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gavel-dist-guard-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** write a file whose mtime is `at` seconds past an arbitrary epoch */
function put(path: string, at: number): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, '// ' + path);
  const t = 1_800_000_000 + at;
  utimesSync(full, t, t);
}

/** sources at t=10, tsconfig.json at t=0, every output built at t=20 */
function builtProject(): void {
  put('tsconfig.json', 0);
  put('src/main.ts', 10);
  put('src/store/keys.ts', 10);
  put('workers/score-leads.ts', 10);
  put('src/types.d.ts', 10);
  put('dist/src/main.js', 20);
  put('dist/src/store/keys.js', 20);
  put('dist/workers/score-leads.js', 20);
}

describe('the stale dist/ guard decides', () => {
  it('no build when every output is newer than its source and than tsconfig.json', () => {
    builtProject();
    expect(buildDecision(root)).toEqual({ build: false });
  });

  it('a build when a source is newer than its output', () => {
    builtProject();
    put('src/store/keys.ts', 30);
    expect(buildDecision(root)).toEqual({ build: true, reason: 'src/store/keys.ts is newer than dist/src/store/keys.js' });
  });

  it('a build when a source has no output (a new file, or dist/ deleted)', () => {
    builtProject();
    put('workers/new-worker.ts', 15);
    expect(buildDecision(root)).toEqual({ build: true, reason: 'dist/workers/new-worker.js is missing' });
    rmSync(join(root, 'dist'), { recursive: true });
    expect(buildDecision(root).build).toBe(true);
  });

  it('a build when tsconfig.json changed after the outputs were written', () => {
    builtProject();
    put('tsconfig.json', 25);
    expect(buildDecision(root)).toEqual({ build: true, reason: 'tsconfig.json is newer than dist/src/main.js' });
  });

  it('no build for a test file edited alone, nor for a declaration file, which has no output', () => {
    builtProject();
    put('test/unit/some.test.ts', 40);
    put('src/types.d.ts', 40);
    expect(buildDecision(root)).toEqual({ build: false });
  });
});
