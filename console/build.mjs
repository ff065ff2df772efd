// Bundles the operator's console and the buyers' and sellers' portal (console/src, plain
// TypeScript) into dist/console and dist/portal: for each, one minified script and one
// stylesheet named by their content hash, and its index.html pointing at them. The two share
// their helpers (api.ts, dom.ts, format.ts, timeline.ts, login-page.ts) by bundling them twice:
// a few kB each, and each listener serves a directory holding its own page only.
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
export const PORTAL_OUT = join(here, '..', 'dist', 'portal');

/** One page: its entry point and its HTML template, bundled into `out`. */
function buildPage(entry, template, out) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = buildSync({
    entryPoints: [join(here, 'src', entry), join(here, 'style.css')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    entryNames: '[name]-[hash]',
    outdir: out,
    metafile: true,
    logLevel: 'warning',
  });
  const outs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = outs.find((n) => n.endsWith('.js'));
  const css = outs.find((n) => n.endsWith('.css'));
  const html = readFileSync(join(here, template), 'utf8').replace('__JS__', js).replace('__CSS__', css);
  writeFileSync(join(out, 'index.html'), html);
  return readdirSync(out);
}

/** Both pages; answers the console's files (the portal's are in dist/portal). */
export async function buildConsole() {
  buildPage('portal-main.ts', 'portal.html', PORTAL_OUT);
  return buildPage('main.ts', 'index.html', OUT);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildConsole();
}
