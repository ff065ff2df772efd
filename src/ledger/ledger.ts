/**
 * The ledger: every sale and every credit as append-only double-entry records. Each event's
 * entries sum to zero over three kinds of account: `buyer:<id>` (what the buyer owes is
 * negative), `seller:<id>` (what the seller is owed) and `exchange:margin`.
 *
 * - a sale at price P with payout S: buyer -P, seller +S, exchange:margin +(P - S)
 * - a credit (an approved return) reverses its sale: buyer +P, seller -S, exchange:margin -(P - S)
 *
 * Two implementations keep the same contract (test/integration/ledger-contract.test.ts):
 * PostgreSQL (durable, shared by every Gavel process) and memory (one process, gone on exit).
 * Money is integer micros throughout.
 */

/** The ids that make records idempotent: a lead is sold, returned and credited at most once per buyer. */
export const recordIds = {
  sale: (leadId: string, buyer: string): string => `sale:${leadId}:${buyer}`,
  return: (leadId: string, buyer: string): string => `ret:${leadId}:${buyer}`,
  credit: (leadId: string, buyer: string): string => `credit:${leadId}:${buyer}`,
};

/** A sale, as the exchange emits it when a buyer accepts a post. Its id makes it idempotent. */
export interface SaleEvent {
  /** `sale:<lead_id>:<buyer>`: a lead is sold at most once to a buyer */
  id: string;
  lead_id: string;
  campaign: string;
  seller: string;
  sub_id: string | null;
  buyer: string;
  price_micros: number;
  payout_micros: number;
  /** the lead's grade when it was scored, else null */
  grade: string | null;
  /** epoch ms of the buyer's accept */
  at: number;
  /** the campaign's A/B test and the lead's arm in it, when it ran one (absent otherwise) */
  experiment?: string;
  arm?: string;
}

export interface SalesFilter {
  buyer?: string;
  seller?: string;
  from: number;
  to: number;
  limit: number;
}

export type ReturnStatus = 'pending' | 'approved' | 'denied';

export interface ReturnRecord {
  /** `ret:<lead_id>:<buyer>`: a buyer returns a lead at most once */
  id: string;
  lead_id: string;
  buyer: string;
  seller: string;
  campaign: string;
  reason: string;
  status: ReturnStatus;
  price_micros: number;
  payout_micros: number;
  /** epoch ms */
  requested_at: number;
  decided_at: number | null;
}

/** What a return policy sees, read inside the same transaction that records its verdict. */
export interface ReturnContext {
  sale: SaleEvent;
  /** the buyer's returns requested in [cycleFrom, cycleTo) that are pending or approved */
  returnsInCycle: number;
  /** the buyer's sales in [cycleFrom, cycleTo) */
  salesInCycle: number;
}

/** A policy's verdict: record the return with this status, or refuse it with a reason code. */
export type ReturnVerdict = { status: 'approved' | 'pending' } | { refused: string };

export interface ReturnRequest {
  lead_id: string;
  buyer: string;
  reason: string;
  /** epoch ms */
  at: number;
  /** the buyer's billing cycle that `at` falls in, epoch ms: limits count returns and sales inside it */
  cycleFrom: number;
  cycleTo: number;
}

/** Why a return cannot be recorded, decided by the ledger itself before any policy. */
export type ReturnRefusal = 'SALE_NOT_FOUND' | 'ALREADY_RETURNED';

/** Money per group over a time range, for reports. `key` is the group's value (a buyer id, a day "2026-11-22", an hour "2026-11-22T13"). */
export interface MoneyRow {
  key: string;
  sold: number;
  revenue_micros: number;
  payout_micros: number;
  margin_micros: number;
  /** approved returns (credits), counted at the time they were approved */
  returns: number;
  credits_micros: number;
}

export type GroupBy = 'buyer' | 'seller' | 'campaign' | 'day' | 'hour';

/**
 * Upper bounds (ms) of the auction-time buckets of a stats row; a row's `ms` has one count per
 * bound and one more for anything above the last.
 */
export const AUCTION_MS_BUCKETS = [1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000, 10_000, 30_000] as const;

/**
 * What one process saw in one UTC hour for one (campaign, seller, buyer), rolled up from its lead
 * traces. `buyer` '' is the leads' own row: `leads` received (pings and direct posts) and their
 * auction times. A buyer's row: the leads it took part in (pinged or ranked), its pings, bids,
 * wins (ranked first) and post outcomes, and the auction times of those leads.
 */
/** What is counted, per row and per group. */
export interface StatsCounts {
  leads: number;
  pings: number;
  bids: number;
  wins: number;
  posts_accepted: number;
  posts_rejected: number;
  /** counts per AUCTION_MS_BUCKETS bucket, AUCTION_MS_BUCKETS.length + 1 long */
  ms: number[];
}

export interface StatsRow extends StatsCounts {
  /** epoch ms of the hour's start (UTC) */
  hour: number;
  campaign: string;
  seller: string;
  buyer: string;
}

/** the length of a stats row's `ms` */
export const STATS_MS_WIDTH = AUCTION_MS_BUCKETS.length + 1;

/**
 * Both ledgers refuse a whole call, before anything is written, when a row is not counts: an
 * `ms` of another width would sum into the wrong buckets, and a fraction or a negative would be
 * kept by memory but refused by PostgreSQL's bigint.
 */
export function checkStatsBatches(batches: readonly StatsBatch[]): void {
  const isCount = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;
  for (const b of batches) {
    for (const r of b.rows) {
      const counts = [r.hour, r.leads, r.pings, r.bids, r.wins, r.posts_accepted, r.posts_rejected];
      if (!Array.isArray(r.ms) || r.ms.length !== STATS_MS_WIDTH || !r.ms.every(isCount) || !counts.every(isCount)) {
        throw new Error(`ledger: stats batch ${b.id} has a malformed row (${r.campaign}/${r.seller}/${r.buyer} at ${r.hour}): every figure must be a count, and ms ${STATS_MS_WIDTH} of them`);
      }
    }
    for (const r of b.arms ?? []) {
      if (!isCount(r.hour) || !isCount(r.leads)) throw new Error(`ledger: stats batch ${b.id} has a malformed arm row (${r.campaign}/${r.experiment}/${r.arm} at ${r.hour}): every figure must be a count`);
    }
  }
}

/**
 * The leads one process ran under one arm of a campaign's A/B test in one UTC hour: admitted
 * leads (not refused as duplicates, not test leads), pings and direct posts, sold or not. With
 * the sales' own arm, what the test's report divides by.
 */
export interface ArmLeadsRow {
  /** epoch ms of the hour's start (UTC) */
  hour: number;
  campaign: string;
  experiment: string;
  arm: string;
  leads: number;
}

/** A process's rows since its last flush; the id (`stats:<process>:<seq>`) makes it idempotent. */
export interface StatsBatch {
  id: string;
  rows: StatsRow[];
  /** leads per A/B arm; absent when no lead ran under a test */
  arms?: ArmLeadsRow[];
}

/**
 * One arm of a campaign's A/B test, summed from the ledger: its leads (from the stats), and from
 * its sales, per lead: how many leads sold, and the sum and the sum of squares of each lead's
 * margin (a lead sold to several buyers of a shared tier is one lead, its margins added), from
 * which the report has the mean margin per lead and its variance (an unsold lead's margin is 0).
 */
export interface ArmSums {
  arm: string;
  leads: number;
  sold: number;
  sales: number;
  revenue_micros: number;
  payout_micros: number;
  margin_micros: number;
  /** Σ over sold leads of (the lead's margin in micros)², as a float: it outgrows 2^53 */
  margin_sq: number;
}

/** Stats summed per group, as reports read them (see Ledger.stats). */
export interface StatsGroup extends StatsCounts {
  key: string;
}

export interface Ledger {
  readonly kind: 'postgres' | 'memory';
  /** connect and run migrations (PostgreSQL); idempotent */
  start(): Promise<void>;
  /** record sales and their entries; an id seen before is skipped. Returns how many were new. */
  recordSales(sales: readonly SaleEvent[]): Promise<number>;
  sale(leadId: string, buyer: string): Promise<SaleEvent | null>;
  /**
   * Record a return, atomically with the policy's reading: the sale must exist and not have been
   * returned by this buyer before; the policy then approves, leaves pending, or refuses. An
   * approved return writes its credit. Two requests for one buyer never see the same counts.
   */
  requestReturn(req: ReturnRequest, policy: (ctx: ReturnContext) => ReturnVerdict): Promise<ReturnRecord | { refused: string }>;
  /** the operator approves (writing the credit) or denies a pending return; `RETURN_NOT_FOUND` or `RETURN_DECIDED` otherwise */
  decideReturn(id: string, decision: 'approved' | 'denied', at: number): Promise<ReturnRecord | { refused: 'RETURN_NOT_FOUND' | 'RETURN_DECIDED' }>;
  returnsOf(filter: { status?: ReturnStatus; buyer?: string }): Promise<ReturnRecord[]>;
  /** sales in [from, to) (epoch ms of the accept), newest first, at most `limit`; of one buyer or one seller when named */
  salesOf(filter: SalesFilter): Promise<SaleEvent[]>;
  /** the sum of every entry per account */
  balances(): Promise<Map<string, number>>;
  /** sales counted at their time, credits at their approval, in [from, to) (epoch ms); hour and day in UTC */
  money(from: number, to: number, groupBy: GroupBy): Promise<MoneyRow[]>;
  /** record stats batches; a batch id seen before is skipped. Returns how many batches were new. */
  recordStats(batches: readonly StatsBatch[]): Promise<number>;
  /**
   * Stats rows with `hour` in [from, to), summed per group (keys as in money()). By buyer: the
   * buyers' rows alone. By anything else: `leads` and `ms` from the leads' rows (buyer ''), and
   * pings, bids, wins and posts summed over the buyers' rows. `ms` is summed bucket by bucket.
   */
  stats(from: number, to: number, groupBy: GroupBy): Promise<StatsGroup[]>;
  /** one campaign's A/B test, per arm that ran a lead or sold one (in no order): every hour, since the test's first lead */
  armSums(campaign: string, experiment: string): Promise<ArmSums[]>;
  close(): Promise<void>;
}
