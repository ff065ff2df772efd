import { performance } from 'node:perf_hooks';
import type { Runtime, SellerRuntime } from '../config/runtime.js';
import { fixedRuntime, type RuntimeSource } from '../config/live-runtime.js';
import type { LeadsEnvelope, PingAnswer, PingEnvelope, PostAnswer, PostEnvelope } from '../protocol/seller-api.js';
import type { LeadTrace } from '../trace/lead-trace.js';
import { admit, admitPost, openPost, openRun } from './admission.js';
import { auctionRound } from './auction-round.js';
import { auctionEnd } from './deadline.js';
import { holdWinner } from './hold.js';
import type { LeadRun } from './lead-run.js';
import { postLoop } from './post-loop.js';
import { rejected } from './settlement.js';
import { BuyerCells, type StageParts } from './stage-parts.js';
import { MS_PER_SECOND } from '../telemetry/metrics.js';

export type { LostBid } from './stage-parts.js';

/** What an exchange is built from: the configuration it starts on, and the parts its stages use. */
export interface ExchangeParts extends Omit<StageParts, 'cells'> {
  /** one configuration, or the live one a swap replaces (read once per lead) */
  runtime: Runtime | RuntimeSource;
}

/**
 * The path of one lead (ARCHITECTURE.md, "Stages and the lead's run"), stage by stage: admission
 * (admission.ts), the auction (auction-round.ts: eligibility, fan-out, score join, rank), the
 * ping's hold (hold.ts), and for a post or a direct post the post loop (post-loop.ts) and its
 * settlement (settlement.ts). Each lead is one LeadRun (lead-run.ts) made when it arrives, on
 * the configuration of that moment; every stage reads only the run and the parts it names.
 * Times are performance.now() ms unless named wall-clock; money is micros.
 */
export class Exchange {
  /** read once per lead, into its run: no stage reads it here */
  private readonly live: RuntimeSource;
  private readonly parts: StageParts;

  constructor(parts: ExchangeParts) {
    const { runtime, ...rest } = parts;
    this.live = 'current' in runtime ? runtime : fixedRuntime(runtime);
    this.parts = { ...rest, cells: new BuyerCells(parts.metrics) };
  }

  /** When the answer to this ping must have left (performance.now() ms); null for an unknown campaign. */
  pingDeadline(env: PingEnvelope, receivedAt: number): number | null {
    const c = this.live.current().runtime.campaigns.get(env.campaign);
    return c === undefined ? null : auctionEnd(c, env.tmax_ms, receivedAt);
  }

  /** POST /v1/ping */
  async ping(seller: SellerRuntime, env: PingEnvelope, receivedAt: number, trace: LeadTrace): Promise<PingAnswer> {
    const { parts } = this;
    const run = openRun(this.live.current().runtime, seller, 'ping', env, receivedAt, trace);
    const admitted = await admit(run, parts);
    if (admitted === 'NO_BID') return this.answered(run, 0, { status: 'no_bid', ping_id: run.id, reason: 'NO_BID' });
    if (admitted !== 'ok') return this.answered(run, 0, { status: 'duplicate', reason: admitted });
    const eligible = await auctionRound(run, parts);
    const settleFrom = performance.now();
    if (eligible === 0) return this.answered(run, settleFrom, { status: 'no_bid', ping_id: run.id, reason: 'NO_ELIGIBLE_BUYER' });
    if (run.bids.length === 0) return this.answered(run, settleFrom, { status: 'no_bid', ping_id: run.id, reason: 'NO_BID' });
    return this.answered(run, settleFrom, await holdWinner(run, parts));
  }

  /** Every ping answer passes here: the settle time measured (part of what response_margin_ms must cover). */
  private answered(run: LeadRun, settleFrom: number, answer: PingAnswer): PingAnswer {
    const now = performance.now();
    if (settleFrom > 0) this.parts.metrics.settleSeconds.observe((now - settleFrom) / MS_PER_SECOND);
    if (this.parts.log.isLevelEnabled('debug')) {
      this.parts.log.debug({ campaign: run.campaign.id, seller: run.seller.id, sub_id: run.subId, test: run.test, answer, ms: now - run.receivedAt }, 'ping answered');
    }
    return answer;
  }

  /** POST /v1/post */
  async post(seller: SellerRuntime, env: PostEnvelope, receivedAt: number, trace: LeadTrace): Promise<PostAnswer> {
    const { parts } = this;
    const run = await openPost(this.live.current().runtime, seller, env, receivedAt, trace, parts);
    if (!(await admitPost(run, parts))) return rejected(run, parts, 'DUPLICATE');
    return postLoop(run, parts);
  }

  /** POST /v1/leads: the whole ping tree inside one call */
  async directPost(seller: SellerRuntime, env: LeadsEnvelope, receivedAt: number, trace: LeadTrace): Promise<PostAnswer> {
    const { parts } = this;
    const run = openRun(this.live.current().runtime, seller, 'leads', env, receivedAt, trace);
    const admitted = await admit(run, parts);
    if (admitted !== 'ok') return rejected(run, parts, admitted);
    const eligible = await auctionRound(run, parts);
    if (eligible === 0) return rejected(run, parts, 'NO_ELIGIBLE_BUYER');
    if (run.bids.length === 0) return rejected(run, parts, 'NO_BID');
    return postLoop(run, parts);
  }
}
