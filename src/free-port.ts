import { createServer } from 'node:net';

/**
 * `port`, or when it is 0 a port free on `host` now. The primary of --processes picks it for the
 * set (uWS does not share a port it picked itself); another program may take it before the
 * processes bind it, and then the start fails with "cannot listen", as any taken port does.
 */
export function freePort(host: string, port: number): Promise<number> {
  if (port !== 0) return Promise.resolve(port);
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const picked = (s.address() as { port: number }).port;
      s.close(() => resolve(picked));
    });
  });
}
