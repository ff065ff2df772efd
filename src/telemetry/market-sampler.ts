import type { BuyerSample, MarketSample } from '../protocol/console-api.js';
import type { Metrics } from './metrics.js';

export type { BuyerSample, MarketSample };

interface Reading {
  pings: Map<string, number>; // outcome -> count
  sold: number;
  auction: { le: number; n: number }[];
  bids: Map<string, number>;
  passes: Map<string, number>;
  timeouts: Map<string, number>;
  wins: Map<string, number>;
  buyerMs: Map<string, { le: number; n: number }[]>;
  breakers: Map<string, number>;
  t: number;
}

type Values = { labels: Record<string, string | number>; value: number; metricName?: string }[];

function sumBy(values: Values, label: string, filter: (l: Record<string, string | number>) => boolean = () => true): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of values) if (filter(v.labels)) out.set(String(v.labels[label]), (out.get(String(v.labels[label])) ?? 0) + v.value);
  return out;
}

function bucketsBy(values: Values, label: string | null): Map<string, { le: number; n: number }[]> {
  const out = new Map<string, Map<number, number>>();
  for (const v of values) {
    if (v.metricName?.endsWith('_bucket') !== true) continue;
    const key = label === null ? '' : String(v.labels[label]);
    // the histograms are in seconds (Prometheus's base unit); the page shows milliseconds
    const le = v.labels.le === '+Inf' ? Infinity : Math.round(Number(v.labels.le) * 1e6) / 1e3;
    const m = out.get(key) ?? new Map<number, number>();
    m.set(le, (m.get(le) ?? 0) + v.value);
    out.set(key, m);
  }
  return new Map([...out].map(([k, m]) => [k, [...m].map(([le, n]) => ({ le, n })).sort((a, b) => a.le - b.le)]));
}

/** The q-quantile of the observations between two cumulative bucket readings: the bucket's upper bound (Prometheus reads it the same way, coarser). */
export function quantile(now: { le: number; n: number }[], before: { le: number; n: number }[] | undefined, q: number): number | null {
  const d = now.map((b, i) => ({ le: b.le, n: b.n - (before?.[i]?.n ?? 0) }));
  const total = d.at(-1)?.n ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (const b of d) if (b.n >= rank) return Number.isFinite(b.le) ? b.le : (d.at(-2)?.le ?? null);
  return null;
}

const BREAKER = ['closed', 'half-open', 'open'] as const;

/** Readings kept for the shares (bid rate, win rate): half a minute of them. */
const SHARE_WINDOW = 30;

/**
 * Samples the exchange's counters each second and turns readings into the numbers the operator's
 * console shows: rates and latencies over the last second; a buyer's bid and win rates over the
 * last half minute, since a win (its post) often falls in the second after its bid and a share of
 * one second's counts would swing from 0 to 100%. It reads the Metrics object's fields,
 * never metric names, so renaming the exported names changes nothing here. It runs only while
 * someone watches: the first subscriber starts the timer, the last one to leave stops it.
 */
export class MarketSampler {
  private readonly listeners = new Set<(s: MarketSample) => void>();
  private timer: NodeJS.Timeout | undefined;
  /** the last readings, oldest first: the previous one for per-second rates, the oldest for the shares */
  private history: Reading[] = [];
  latest: MarketSample | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly periodMs = 1000,
  ) {}

  subscribe(fn: (s: MarketSample) => void): () => void {
    this.listeners.add(fn);
    if (this.timer === undefined) {
      void this.tick();
      this.timer = setInterval(() => void this.tick(), this.periodMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0 && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
        this.history = [];
      }
    };
  }

  private async read(): Promise<Reading> {
    const m = this.metrics;
    const [pings, sales, auction, bids, passes, timeouts, posts, buyerMs, breakers] = await Promise.all([
      m.pings.get(), m.sales.get(), m.auctionSeconds.get(), m.bids.counter.get(), m.passes.get(), m.timeouts.get(), m.posts.get(), m.buyerSeconds.get(), m.breakerState.get(),
    ]);
    return {
      pings: sumBy(pings.values, 'outcome'),
      sold: sumBy(sales.values, 'outcome').get('sold') ?? 0,
      auction: bucketsBy(auction.values as Values, null).get('') ?? [],
      bids: sumBy(bids.values, 'buyer'),
      // a pass of kind BELOW_FLOOR is a bid counted twice, BELOW_GRADE a buyer never asked; TIMEOUT is a pass too
      passes: sumBy(passes.values, 'buyer', (l) => l.kind !== 'BELOW_FLOOR' && l.kind !== 'BELOW_GRADE'),
      timeouts: sumBy(timeouts.values, 'buyer'),
      // a post is sent to the winner of an auction: posts per buyer are its wins
      wins: sumBy(posts.values, 'buyer'),
      buyerMs: bucketsBy(buyerMs.values as Values, 'buyer'),
      breakers: sumBy(breakers.values, 'buyer'),
      t: Date.now(),
    };
  }

  private async tick(): Promise<void> {
    const now = await this.read();
    const before = this.history.at(-1);
    const older = this.history[0];
    this.history.push(now);
    if (this.history.length > SHARE_WINDOW) this.history.shift();
    const dt = before === undefined ? 1 : Math.max(0.001, (now.t - before.t) / 1000);
    const delta = (a: Map<string, number>, b: Map<string, number> | undefined, k: string) => (a.get(k) ?? 0) - (b?.get(k) ?? 0);
    const total = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
    const pingsNow = total(now.pings);
    const pingsD = pingsNow - (before === undefined ? pingsNow : total(before.pings));
    const bidD = before === undefined ? 0 : delta(now.pings, before.pings, 'bid');
    const buyers = new Set([...now.bids.keys(), ...now.passes.keys(), ...now.timeouts.keys(), ...now.breakers.keys(), ...now.buyerMs.keys()]);
    const sample: MarketSample = {
      at: new Date(now.t).toISOString(),
      pings_per_s: pingsD / dt,
      fill: pingsD > 0 ? bidD / pingsD : null,
      pings_total: pingsNow,
      sold_total: now.sold,
      auction_p50_ms: quantile(now.auction, before?.auction, 0.5),
      auction_p99_ms: quantile(now.auction, before?.auction, 0.99),
      buyers: [...buyers].sort().map((buyer) => {
        const asked = before === undefined ? 0 : delta(now.bids, before.bids, buyer) + delta(now.passes, before.passes, buyer);
        const timeouts = before === undefined ? 0 : delta(now.timeouts, before.timeouts, buyer);
        const bids = older === undefined ? 0 : delta(now.bids, older.bids, buyer);
        const askedLately = older === undefined ? 0 : bids + delta(now.passes, older.passes, buyer);
        const wins = older === undefined ? 0 : delta(now.wins, older.wins, buyer);
        const state = now.breakers.get(buyer);
        return {
          buyer,
          pings_per_s: asked / dt,
          bid_rate: askedLately > 0 ? bids / askedLately : null,
          win_rate: bids > 0 ? Math.min(1, wins / bids) : null,
          latency_p50_ms: quantile(now.buyerMs.get(buyer) ?? [], before?.buyerMs.get(buyer), 0.5),
          timeouts,
          breaker: state === undefined ? 'none' : (BREAKER[state] ?? 'none'),
        };
      }),
    };
    this.latest = sample;
    for (const fn of this.listeners) fn(sample);
  }
}
