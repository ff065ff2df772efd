/**
 * How fast a draft is replayed on a day of recorded traffic, end to end: the traces read from
 * Redis by a scan of the range, both passes, every lead judged under live and under a draft.
 *
 *   npm run build && node dist/bench/replay-speed.js [--leads 1000000] [--redis redis://127.0.0.1:6379]
 *
 * A day of synthetic recorded leads of the demo campaign (6 buyers, each answering with its own
 * bid or a pass, a grade, a post for most offers, some posts rejected) is written into the trace
 * spans of the day, as the recorder would have written them; then timed: the wall time, this
 * process's CPU and Redis's CPU. The keys go at the end.
 */
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../src/config/load-config.js';
import { compileRuntime } from '../src/config/runtime.js';
import { replayRange } from '../src/front/draft-replay.js';
import { RedisStore } from '../src/store/redis-store.js';
import { keys } from '../src/store/keys.js';
import { traceSpanMs } from '../src/store/redis-traces.js';
import { traceShard } from '../src/store/trace-shard.js';
import { recordedSegments } from './support/recorded-day.js';
import { readDemoConfig } from './support/demo-config.js';
import { machine } from './support/machine.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const N = Number(arg('leads', '1000000'));
const REDIS = arg('redis', 'redis://127.0.0.1:6379');
const DAY = 86_400_000;
const RETENTION = 30 * DAY;

function redisCpuSeconds(): number {
  const pid = execSync('pidof redis-server').toString().trim().split(/\s+/)[0]!;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(stat[11]) + Number(stat[12])) / 100;
}

async function main(): Promise<void> {
  const prefix = `bench-replay:${process.pid}:`;
  const store = new RedisStore({ url: REDIS, prefix });
  const span = traceSpanMs(RETENTION);
  const from = Math.floor((Date.now() - 2 * DAY) / DAY) * DAY;
  const to = from + DAY;
  // the client queues nothing while it connects: wait until Redis answers
  for (let i = 0; ; i++) {
    try {
      await store.ping();
      break;
    } catch (e) {
      if (i >= 50) throw new Error(`no Redis at ${REDIS} (start one with: redis-server --daemonize yes): ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    // a day of traffic, written into the spans the recorder would have written it in
    const writeStart = performance.now();
    let pipe = store.client.pipeline();
    for (let i = 0; i < N; i++) {
      const at = from + Math.floor((i * DAY) / N);
      // a lead's segments of one span are one field, newline-joined, as lua/trace-append-1.lua keeps them
      const bySpan = new Map<number, string[]>();
      const segs = recordedSegments(i, at);
      for (const seg of segs) {
        const bucket = Math.floor((Date.parse(seg.at) + 100) / span);
        bySpan.set(bucket, [...(bySpan.get(bucket) ?? []), JSON.stringify(seg)]);
      }
      for (const [bucket, joined] of bySpan) pipe.hset(keys.traces(traceShard(segs[0]!.lead_id), bucket), segs[0]!.lead_id, joined.join('\n'));
      if (i % 5000 === 4999) {
        await pipe.exec();
        pipe = store.client.pipeline();
      }
    }
    await pipe.exec();
    const writeS = (performance.now() - writeStart) / 1000;

    const config = readDemoConfig();
    config.trace = { ...config.trace, retention: '30d' };
    const live = compileRuntime(parseConfig(config), undefined);
    // the draft: a higher floor, and fern's daily cap doubled
    const draftConfig = structuredClone(config);
    draftConfig.campaigns[0]!.floor = 3;
    const fern = draftConfig.buyers.find((b) => b.id === 'fern')!;
    fern.caps = { ...fern.caps, daily: 40 };
    const draft = compileRuntime(parseConfig(draftConfig), undefined);

    const traffic = { scan: (a: number, b: number, each: Parameters<RedisStore['scanTraces']>[3], shards?: ReadonlySet<number>) => store.scanTraces(a, b, RETENTION, each, shards) };
    const redis0 = redisCpuSeconds();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await replayRange(live, draft, traffic, from, to, 10_000_000);
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const redisS = redisCpuSeconds() - redis0;
    const heapMb = process.memoryUsage().rss / 1e6;
    console.log(
      JSON.stringify(
        {
          machine: machine(),
          leads_written: N,
          write_s: Math.round(writeS * 10) / 10,
          replayed: r.pings,
          wall_s: Math.round(wallS * 10) / 10,
          node_cpu_s: Math.round(((cpu.user + cpu.system) / 1e6) * 10) / 10,
          redis_cpu_s: Math.round(redisS * 10) / 10,
          per_lead_us: Math.round(((cpu.user + cpu.system) / r.pings) * 100) / 100,
          rss_mb: Math.round(heapMb),
          live: { offers: r.live.offers, sold: r.live.sold, revenue: r.live.revenue, estimated_leads: r.live.estimated.leads },
          draft: { offers: r.draft_totals.offers, sold: r.draft_totals.sold, revenue: r.draft_totals.revenue, estimated_leads: r.draft_totals.estimated.leads },
          changed: r.changed_count,
          ...(process.env.REPLAY_DEBUG ? { totals: r.live } : {}),
        },
        null,
        2,
      ),
    );
  } finally {
    // the bench's keys go: scan its prefix out
    let cursor = '0';
    do {
      const [next, found] = await store.client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await store.client.unlink(...found.map((k) => k.slice(prefix.length)));
    } while (cursor !== '0');
    await store.close();
  }
}

await main();
