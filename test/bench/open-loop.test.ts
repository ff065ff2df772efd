import { spawn, type ChildProcess } from 'node:child_process';
import { Pool } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { runOpenLoop } from '../../bench/support/open-loop.js';

/**
 * A server that answers at once but stalls — its event loop blocked, as a long GC pause or a
 * hot loop would — for 200 ms once a second, in a process of its own so the stall is not the
 * load generator's.
 */
const STALLING_SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(String(server.address().port) + '\\n');
  const stall = () => { const end = Date.now() + 200; while (Date.now() < end); };
  setTimeout(() => { stall(); setInterval(stall, 1000); }, 1000 - (Date.now() % 1000));
});`;

let child: ChildProcess | undefined;
afterAll(() => child?.kill('SIGKILL'));

describe('the open-loop generator', () => {
  it('reports a server that stalls 200 ms once a second honestly: a fifth of the calls wait, p90 ≈ 100 ms, p99 ≈ 190 ms', async () => {
    child = spawn(process.execPath, ['-e', STALLING_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve) => child!.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 256 });
    try {
      const result = await runOpenLoop({
        rate: 400,
        durationS: 6,
        send: async () => {
          const res = await pool.request({ method: 'GET', path: '/' });
          await res.body.text();
          return String(res.statusCode);
        },
      });
      expect(result.outcomes).toEqual({ '200': 2400 });
      // A call due s ms into a stall waits 200 - s ms: of all calls, (200 - x) / 1000 wait more
      // than x. So 10% wait over 100 ms and 1% over 190 ms, while most wait nothing.
      const { p50, p90, p99, max } = result.latency;
      expect(p50).toBeLessThan(15);
      expect(p90).toBeGreaterThan(70);
      // 130 on a quiet box; 160 was measured with both cores kept busy, where the stalling process
      // itself runs late (its delay is real latency the generator reports, not an error of it)
      expect(p90).toBeLessThan(180);
      expect(p99).toBeGreaterThan(165);
      // 231 was seen with two test files running beside it on two cores: the stall process's own lateness
      expect(p99).toBeLessThan(260);
      expect(max).toBeGreaterThan(190);
      // the seconds of the run show their stalls (not every one: on a busy box the stalling process
      // itself may be scheduled late, and the test's seconds are not the server's)
      expect(result.perSecond.slice(1, 5).filter((s) => s.max > 150).length).toBeGreaterThanOrEqual(3);
    } finally {
      await pool.close();
    }
  }, 30_000);
});

describe('the latency summary', () => {
  it('gives the percentiles of a known sample (1 to 1000 ms), to HDR precision', async () => {
    const { summarise } = await import('../../bench/support/open-loop.js');
    const hdr = await import('hdr-histogram-js');
    const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
    for (let ms = 1; ms <= 1000; ms++) h.recordValue(ms * 1000);
    const s = summarise(h);
    expect(s.count).toBe(1000);
    for (const [got, want] of [[s.p50, 500], [s.p90, 900], [s.p99, 990], [s.p999, 999], [s.max, 1000], [s.mean, 500.5]] as const) {
      expect(Math.abs(got - want) / want).toBeLessThan(0.001);
    }
  });
});
