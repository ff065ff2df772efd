import { z } from 'zod';
import { readQueued } from './queued-json.js';
import type { QueueStore } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { StoredSegment } from '../trace/lead-trace.js';
import { AUCTION_MS_BUCKETS, STATS_MS_WIDTH, type ArmLeadsRow, type StatsBatch, type StatsRow } from './ledger.js';

/** The durable queue stats batches travel through to the ledger (as sales do). */
export const STATS_QUEUE = 'stats';

const HOUR = 3_600_000;

const count = z.int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const StatsBatchSchema = z.strictObject({
  id: z.string().min(1).max(300),
  rows: z
    .array(
      z.strictObject({
        hour: z.int().nonnegative(),
        campaign: z.string().max(64),
        seller: z.string().max(64),
        buyer: z.string().max(64),
        leads: count,
        pings: count,
        bids: count,
        wins: count,
        posts_accepted: count,
        posts_rejected: count,
        ms: z.array(count).length(STATS_MS_WIDTH),
      }),
    )
    .max(1_000_000),
  arms: z
    .array(z.strictObject({ hour: z.int().nonnegative(), campaign: z.string().max(64), experiment: z.string().max(64), arm: z.string().max(64), leads: count }))
    .max(1_000_000)
    .optional(),
});

/** a queued stats batch, checked: it is read back from a store others may write to */
export function readStats(body: string): StatsBatch | null {
  return readQueued(StatsBatchSchema, body);
}

/** the bucket of an auction time: the first bound at or above it, or the last (everything above) */
export function msBucket(ms: number): number {
  let i = 0;
  while (i < AUCTION_MS_BUCKETS.length && ms > AUCTION_MS_BUCKETS[i]!) i++;
  return i;
}

/**
 * Reports' counts, rolled up from the lead traces as they are recorded: per UTC hour, campaign,
 * seller and buyer, the leads, pings, bids, wins and post outcomes, and the auction times. Each
 * process keeps its own rows and sends them to the ledger every `flushMs` as one batch through
 * a durable queue, with an id of its own, so a batch is counted once however often it is read.
 * Counting happens where the trace is handed over, after the seller's answer was decided: a few
 * map updates per lead, no I/O.
 */
export class LeadStats {
  /** rows by hour, campaign and seller, then by buyer ('' for the lead's own row): a lead finds its group once, then each buyer's row */
  private groups = new Map<string, Map<string, StatsRow>>();
  /** leads per A/B arm, by hour, campaign, test and arm */
  private arms = new Map<string, ArmLeadsRow>();
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  /** the buyers of the lead being added, each counted once as taking part */
  private readonly took = new Set<string>();

  constructor(
    private readonly store: QueueStore,
    private readonly opts: { consumer: string; flushMs: number },
    private readonly log: Logger,
  ) {}

  private group(hour: number, campaign: string, seller: string): Map<string, StatsRow> {
    const key = `${hour}\n${campaign}\n${seller}`;
    let g = this.groups.get(key);
    if (g === undefined) this.groups.set(key, (g = new Map()));
    return g;
  }

  private static row(g: Map<string, StatsRow>, hour: number, seg: StoredSegment, buyer: string): StatsRow {
    let r = g.get(buyer);
    if (r === undefined) {
      r = { hour, campaign: seg.campaign, seller: seg.seller, buyer, leads: 0, pings: 0, bids: 0, wins: 0, posts_accepted: 0, posts_rejected: 0, ms: new Array<number>(STATS_MS_WIDTH).fill(0) };
      g.set(buyer, r);
    }
    return r;
  }

  /** a finished segment of a lead's trace */
  add(seg: StoredSegment, now: number): void {
    const hour = now - (now % HOUR);
    const bucket = msBucket(seg.total_ms);
    const g = this.group(hour, seg.campaign, seg.seller);
    // a ping or a direct post is a lead received and auctioned; a post adds its posts alone
    if (seg.phase !== 'post') {
      const lead = LeadStats.row(g, hour, seg, '');
      lead.leads++;
      lead.ms[bucket]!++;
      const took = this.took;
      took.clear();
      for (const p of seg.pings) {
        const r = LeadStats.row(g, hour, seg, p[0]);
        r.pings++;
        if (p[3] === 'bid') r.bids++;
        took.add(p[0]);
      }
      // a fixed-price buyer is ranked without a ping: it took part too
      for (const x of seg.ranking) took.add(x[0]);
      for (const b of took) {
        const r = LeadStats.row(g, hour, seg, b);
        r.leads++;
        r.ms[bucket]!++;
      }
      const first = seg.ranking[0];
      if (first !== undefined) LeadStats.row(g, hour, seg, first[0]).wins++;
      // an A/B arm counts the leads its rules decided: admitted (a duplicate is refused before any
      // arm's rule is read) and real (a test lead is never a sale, so it would only dilute the fill)
      if (seg.arm !== undefined && seg.dedup === 'ok' && !seg.test) this.armLead(hour, seg.campaign, seg.experiment!, seg.arm);
    }
    for (const p of seg.posts) {
      const r = LeadStats.row(g, hour, seg, p.buyer);
      if (p.accepted) r.posts_accepted++;
      else r.posts_rejected++;
    }
  }

  private armLead(hour: number, campaign: string, experiment: string, arm: string, leads = 1): void {
    const key = `${hour}\n${campaign}\n${experiment}\n${arm}`;
    const r = this.arms.get(key);
    if (r === undefined) this.arms.set(key, { hour, campaign, experiment, arm, leads });
    else r.leads += leads;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs);
    this.timer.unref();
  }

  /** send what was counted since the last flush; on failure the rows stay and go with the next */
  async flush(): Promise<void> {
    if (this.groups.size === 0 && this.arms.size === 0) return;
    const groups = this.groups;
    const armRows = [...this.arms.values()];
    this.groups = new Map();
    this.arms = new Map();
    const rows: StatsRow[] = [];
    for (const g of groups.values()) for (const r of g.values()) rows.push(r);
    const batch: StatsBatch = { id: `stats:${this.opts.consumer}:${++this.seq}`, rows };
    if (armRows.length > 0) batch.arms = armRows;
    try {
      await this.store.enqueue(STATS_QUEUE, JSON.stringify(batch));
    } catch (e) {
      // merged back, under a new batch id next time: nothing was queued under this one
      for (const r of rows) {
        const g = this.group(r.hour, r.campaign, r.seller);
        const now = g.get(r.buyer);
        if (now === undefined) g.set(r.buyer, r);
        else {
          for (const f of ['leads', 'pings', 'bids', 'wins', 'posts_accepted', 'posts_rejected'] as const) now[f] += r[f];
          r.ms.forEach((n, i) => (now.ms[i]! += n));
        }
      }
      for (const r of armRows) this.armLead(r.hour, r.campaign, r.experiment, r.arm, r.leads);
      this.log.warn({ err: (e as Error).message, rows: rows.length }, 'stats not queued; kept for the next flush');
    }
  }

  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    await this.flush();
  }
}
