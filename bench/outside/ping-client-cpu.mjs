#!/usr/bin/env node
/**
 * The buyer HTTP path alone: the CPU this process spends per ping through HttpBuyerTransport,
 * undici against the lean pool, alternated ABBA. The buyer (Node's HTTP server, a bid per ping)
 * runs in a child process, so its CPU is not counted here. Run after `npm run build`:
 *
 *   node bench/outside/ping-client-cpu.mjs [rounds=4] [pings=20000] [in-flight=50]
 *
 * Prints, per round, the client's CPU µs per ping (process.cpuUsage, user + system: the socket
 * writes and reads are in it), pings/s, and the TCP connections the buyer saw opened.
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { HttpBuyerTransport } from '../../dist/src/buyers/http-transport.js';

if (process.argv[2] === '--buyer') {
  const { startBuyer } = await import('../../dist/test/support/buyer-server.js');
  const b = await startBuyer(() => ({ body: { bid: 5, bid_id: 'b-1' } }));
  process.send({ url: b.url });
  // the recorded calls would grow without end: dropped as they come; the count answers a query
  setInterval(() => (b.pings.length = 0), 200).unref();
  process.on('message', () => process.send({ connections: b.connections }));
} else {
  const rounds = Number(process.argv[2] ?? 4);
  const pings = Number(process.argv[3] ?? 20000);
  const inFlight = Number(process.argv[4] ?? 50);
  const child = fork(fileURLToPath(import.meta.url), ['--buyer']);
  const ask = () => new Promise((r) => child.once('message', r));
  const { url } = await ask();
  const prefix = '{"ping_id":"p","campaign":"auto","test":false,"lead":{"zip":"90210","state":"CA","age":40},"tmax_ms":';

  async function run(client, n) {
    const t = new HttpBuyerTransport({ pingUrl: `${url}/ping`, postUrl: `${url}/post`, connections: 32, headers: {}, pingClient: client });
    let sent = 0;
    let bids = 0;
    await new Promise((done) => {
      let out = 0;
      const sink = {
        answer: (_i, r) => {
          if (r.kind === 'bid') bids++;
          out--;
          pump();
        },
      };
      const pump = () => {
        while (out < inFlight && sent < n) {
          out++;
          sent++;
          const ac = new AbortController();
          t.ping('auto', prefix, 1000, performance.now() + 1000, ac.signal, sink, 0);
        }
        if (out === 0 && sent === n) done();
      };
      pump();
    });
    await t.close();
    return bids;
  }

  const results = [];
  for (const client of ['undici', 'lean']) await run(client, 2000); // warm-up: JIT
  for (let i = 0; i < rounds; i++) {
    const client = i % 4 === 1 || i % 4 === 2 ? 'lean' : 'undici'; // A B B A
    child.send('count');
    const { connections: c0 } = await ask();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const bids = await run(client, pings);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    child.send('count');
    const { connections: c1 } = await ask();
    results.push({ client, us: (cpu.user + cpu.system) / pings, rate: (pings / ms) * 1000, bids, conns: c1 - c0 });
  }
  console.log(`node ${process.version}; ${new Date().toISOString()}; ${pings} pings, ${inFlight} in flight`);
  console.log('| round | client | CPU µs/ping | pings/s | bids | connections opened |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  results.forEach((r, i) => console.log(`| ${i + 1} | ${r.client} | ${r.us.toFixed(1)} | ${Math.round(r.rate)} | ${r.bids} | ${r.conns} |`));
  child.kill();
}
