import { afterAll, describe, expect, it } from 'vitest';
import { killTinyChildren, startTinyChild, type TinyChild } from '../support/tiny-child.js';
import { bodyOf } from '../../bench/support/drive.js';
import { fullLead, pingLead } from '../../bench/support/leads.js';
import { procCpuSeconds } from '../../bench/support/proc-cpu.js';
import { assertWrk, runWrk, WRK_MISSING } from '../../bench/support/wrk-load.js';

/**
 * A tiny real server in a process of its own (so /proc reads its CPU, not the test's): it
 * answers 503 to every lead whose index ends in 0 (read back from the zip), 200 to the rest, and
 * on SIGUSR2 prints every body it took and how many 503s it sent.
 */
const TINY_SERVER = `
const http = require('node:http');
const bodies = [];
let refused = 0;
const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => {
    bodies.push(req.method + ' ' + req.url + ' ' + req.headers.authorization + ' ' + req.headers['content-type'] + ' ' + body);
    const i = Number(JSON.parse(body).lead.zip) - 10000;
    if (i % 10 === 0) { refused++; res.statusCode = 503; }
    res.end('{"status":"bid","price":5}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.on('SIGUSR2', () => { process.stdout.write(JSON.stringify({ bodies, refused }) + '\\n'); bodies.length = 0; refused = 0; });`;

afterAll(killTinyChildren);

async function tinyServer(): Promise<TinyChild<{ bodies: string[]; refused: number }>> {
  return startTinyChild<{ bodies: string[]; refused: number }>(TINY_SERVER);
}

/**
 * The requests the server took are distinct leads, each byte for byte the k-th one expected, k
 * counting from the first lead: the connections interleave at the server, wrk builds one request
 * to check the script before it starts (never sent), and the last one built for each connection
 * may not have gone when wrk stopped; so, all distinct and all among the first
 * `bodies + connections + 1`, at most `connections + 1` of those are missing.
 */
function expectLeads(bodies: string[], connections: number, expected: (k: number) => string): void {
  const known = new Set(Array.from({ length: bodies.length + connections + 1 }, (_, k) => expected(k)));
  expect(new Set(bodies).size).toBe(bodies.length);
  expect(bodies.filter((b) => !known.has(b))).toEqual([]);
}

const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer seller-key-for-the-test' };

describe('the wrk driver, against a real server', () => {
  it('sends leads.ts leads, one each, reads wrk and both sides\' CPU', async () => {
    assertWrk(); // fails here, naming `apt-get install -y wrk`, on a machine without wrk
    const server = await tinyServer();
    const run = await runWrk({ url: server.url, route: 'ping', tmaxMs: 120, headers: HEADERS, connections: 4, durationS: 1, firstLead: 1000, serverCpuSeconds: () => procCpuSeconds(server.pid) });
    const { bodies, refused } = await server.took();
    // wrk counts the answers it read; the server, what it sent (a few may be in flight as wrk stops)
    expect(run.output.requests).toBeGreaterThan(100);
    expect(bodies.length).toBeGreaterThanOrEqual(run.output.requests);
    expect(bodies.length).toBeLessThanOrEqual(run.output.requests + 4);
    expect(run.output.non2xx).toBeGreaterThan(0);
    expect(refused - run.output.non2xx).toBeGreaterThanOrEqual(0);
    expect(refused - run.output.non2xx).toBeLessThanOrEqual(4);
    expect(run.okPerSecond).toBeCloseTo((run.output.requests - run.output.non2xx) / run.output.durationS, 6);
    // every request the i-th lead from firstLead on, byte for byte the body the bench's other generators send
    expectLeads(bodies, 4, (k) => `POST /v1/ping ${HEADERS.authorization} application/json ${bodyOf(pingLead(1000 + k), 120)}`);
    expect(run.generatorCpuS).toBeGreaterThan(0);
    expect(run.serverCpuS).toBeGreaterThan(0);
    expect(run.generatorCoreShare).toBeGreaterThan(0);
    expect(run.generatorCoreShare).toBeLessThan(1.2);
    expect(run.output.latency.p99).toBeGreaterThan(0);
  });

  it('sends full leads to /v1/leads for a direct post', async () => {
    const server = await tinyServer();
    const run = await runWrk({ url: server.url, route: 'leads', tmaxMs: 500, headers: HEADERS, connections: 2, durationS: 1, firstLead: 4_500_000, serverCpuSeconds: () => procCpuSeconds(server.pid) });
    const { bodies } = await server.took();
    expect(run.output.requests).toBeGreaterThan(100);
    expectLeads(bodies, 2, (k) => `POST /v1/leads ${HEADERS.authorization} application/json ${bodyOf(fullLead(4_500_000 + k), 500)}`);
  });

  it('says how to install wrk when it is not on the PATH', () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => assertWrk()).toThrow(WRK_MISSING);
    } finally {
      process.env.PATH = path;
    }
    expect(WRK_MISSING).toMatch(/apt-get install -y wrk/);
  });
});
