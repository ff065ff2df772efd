// Bundles the operator's console (console/src, plain TypeScript) into dist/console: one minified
// script and one stylesheet named by their content hash, and index.html pointing at them.
// Run by `npm run build` after tsc; also exported for the browser tests, which build it first.
import { mkdirSync, readFileSync, writeFileSync, rmSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// esbuild's synchronous build, run as a plain child process this waits for: its async service
// (and buildSync's worker thread) leave an esbuild process behind that the container's init may
// never reap, and npm start's process group must hold only Gavel once it runs
// (test/e2e/npm-start.test.ts checks nothing of the build outlives it)
process.env.ESBUILD_WORKER_THREADS ??= '0';
const { buildSync } = await import('esbuild');

const here = dirname(fileURLToPath(import.meta.url));
export const OUT = join(here, '..', 'dist', 'console');

export async function buildConsole() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const result = buildSync({
    entryPoints: [join(here, 'src', 'main.ts'), join(here, 'style.css')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    entryNames: '[name]-[hash]',
    outdir: OUT,
    metafile: true,
    logLevel: 'warning',
  });
  const outs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = outs.find((n) => n.endsWith('.js'));
  const css = outs.find((n) => n.endsWith('.css'));
  const html = readFileSync(join(here, 'index.html'), 'utf8').replace('__JS__', js).replace('__CSS__', css);
  writeFileSync(join(OUT, 'index.html'), html);
  return readdirSync(OUT);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildConsole();
}
