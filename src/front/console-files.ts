import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { TemplatedApp } from 'uWebSockets.js';
import { ROOT } from '../core/paths.js';
import { refusedFraming } from './http-framing.js';

/** Where `npm run build` puts the console's bundle and the portals' (console/build.mjs): a directory each, so neither listener can be asked for the other's page. */
export const CONSOLE_DIR = join(ROOT, 'dist', 'console');
export const PORTAL_DIR = join(ROOT, 'dist', 'portal');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

/**
 * No inline script or style, nothing from another origin: the page runs only the bundle Gavel
 * serves, talks only to Gavel, and may not be framed (clickjacking).
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface File {
  body: Buffer;
  type: string;
  cache: string;
}

/** The bundle's files, read once: a few tens of kB that never change while the process runs. */
function load(dir: string): Map<string, File> {
  const files = new Map<string, File>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    // the bundle's names carry their content hash, so a browser may keep them for good; the page itself is checked each time
    const cache = name === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable';
    files.set(name, { body: readFileSync(join(dir, name)), type, cache });
  }
  return files;
}

/**
 * A bundled page's static files under `/<mount>/`: the operator's console at /console/ on the
 * operator listener, the buyers' and sellers' portal at /portal/ on the public one. Each page's
 * data comes from the APIs of the key its session holds, so the files themselves are no secret.
 */
export function attachPageFiles(app: TemplatedApp, mount: 'console' | 'portal', dir: string): void {
  const what = mount === 'console' ? 'The console' : 'The portal';
  let files: Map<string, File> | undefined;
  const serve = (name: string, res: Parameters<Parameters<TemplatedApp['get']>[1]>[0]) => {
    // an empty read (not built yet) is tried again next time rather than kept
    if (files === undefined || files.size === 0) files = load(dir);
    const f = files.get(name);
    res.cork(() => {
      if (f === undefined) {
        res.writeStatus('404 Not Found');
        res.writeHeader('content-type', 'text/plain; charset=utf-8');
        res.end(files!.size === 0 ? `${what} is not built: run npm run build` : 'Not found');
        return;
      }
      res.writeStatus('200 OK');
      res.writeHeader('content-type', f.type);
      res.writeHeader('cache-control', f.cache);
      res.writeHeader('content-security-policy', CONSOLE_CSP);
      res.writeHeader('x-content-type-options', 'nosniff');
      res.writeHeader('referrer-policy', 'no-referrer');
      res.end(f.body);
    });
  };
  app.get(`/${mount}`, (res, req) => {
    if (refusedFraming(res, req)) return;
    res.cork(() => void res.writeStatus('301 Moved Permanently').writeHeader('location', `/${mount}/`).end());
  });
  app.get(`/${mount}/`, (res, req) => void (refusedFraming(res, req) || serve('index.html', res)));
  app.get(`/${mount}/:file`, (res, req) => {
    if (refusedFraming(res, req)) return;
    serve(req.getParameter(0) ?? '', res);
  });
}

/** The operator's console at /console/ (operator listener only). */
export function attachConsoleFiles(app: TemplatedApp, dir = CONSOLE_DIR): void {
  attachPageFiles(app, 'console', dir);
}

/** The buyers' and sellers' portal at /portal/ (public listener only). */
export function attachPortalFiles(app: TemplatedApp, dir = PORTAL_DIR): void {
  attachPageFiles(app, 'portal', dir);
}
