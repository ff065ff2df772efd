import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * What runs from dist/ (Gavel processes, the scoring pool's worker, the CLI) is compiled from
 * these folders; tsconfig.json also compiles test/, but nothing runs test code from dist/, so a
 * test edited alone needs no build.
 */
export const COMPILED_INPUTS = ['src', 'workers', 'bench', 'demo'] as const;
/** tsconfig.json's outDir, under its rootDir "." */
const OUT_DIR = 'dist';

export type BuildDecision = { build: false } | { build: true; reason: string };

function sources(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sources(path, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
}

function mtimeOf(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Whether dist/ under `root` is stale: a compiled source has no output, or is newer than its
 * output, or tsconfig.json is newer than an output. File by file, since a build rewrites every
 * output: one output older than its source means the last build came before the edit.
 */
export function buildDecision(root: string, inputs: readonly string[] = COMPILED_INPUTS): BuildDecision {
  const tsconfig = mtimeOf(join(root, 'tsconfig.json')) ?? 0;
  const files: string[] = [];
  for (const dir of inputs) if (existsSync(join(root, dir))) sources(join(root, dir), files);
  for (const file of files) {
    const rel = relative(root, file);
    const out = join(root, OUT_DIR, rel.slice(0, -'.ts'.length) + '.js');
    const built = mtimeOf(out);
    if (built === null) return { build: true, reason: `${relative(root, out)} is missing` };
    if (mtimeOf(file)! > built) return { build: true, reason: `${rel} is newer than ${relative(root, out)}` };
    if (tsconfig > built) return { build: true, reason: `tsconfig.json is newer than ${relative(root, out)}` };
  }
  return { build: false };
}

/**
 * Build dist/ when it is stale (`npm run build`), so no test runs code older than the source.
 * A build that fails leaves no dist/ behind: the next run builds again and shows the same errors,
 * instead of running what the failed build happened to emit.
 */
export function ensureBuilt(root: string): void {
  const decision = buildDecision(root);
  if (!decision.build) return;
  const t0 = Date.now();
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(join(root, OUT_DIR), { recursive: true, force: true });
    throw new Error(`dist/ was stale (${decision.reason}) and npm run build failed:\n${r.stdout}${r.stderr}${r.error?.message ?? ''}`);
  }
  console.log(`built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${decision.reason}`);
}
