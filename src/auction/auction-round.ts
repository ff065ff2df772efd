import { performance } from 'node:perf_hooks';
import type { CampaignRuntime } from '../config/runtime.js';
import type { Lead } from '../config/lead-schema.js';
import { within } from '../core/within.js';
import type { LeadScore } from '../scoring/lead-scorer.js';
import type { ScoreOutcome } from '../scoring/score-pool.js';
import type { LeadTrace } from '../trace/lead-trace.js';
import { storeBudget } from './deadline.js';
import { eligibility } from './eligibility.js';
import { fanOut, type FanOutResult } from './fan-out.js';
import type { LeadRun } from './lead-run.js';
import { pinged, rankPlan } from './rank.js';
import { storeFailed, type Uses } from './stage-parts.js';
import type { CapStore, TurnStore } from '../store/store.js';
import { MS_PER_SECOND } from '../telemetry/metrics.js';

type RoundParts = Uses<'transports' | 'metrics' | 'log' | 'scores' | 'guards' | 'acceptRates' | 'cells', CapStore & TurnStore>;

export function pingBody(pingId: string, c: CampaignRuntime, lead: Lead, test: boolean): string {
  // serialised once per auction; each buyer's own tmax_ms closes it (see HttpBuyerTransport.ping)
  return `{"ping_id":"${pingId}","campaign":${JSON.stringify(c.id)},"test":${test},"lead":${JSON.stringify(c.schema.pingView(lead))},"tmax_ms":`;
}

/** Every answer of the fan-out: timed, counted by kind, traced; a bid under the floor traced as such. */
function count(parts: RoundParts, results: readonly FanOutResult[], floorMicros: number, trace: LeadTrace, sentAt: number): void {
  const { metrics } = parts;
  for (const { buyer, result } of results) {
    const m = parts.cells.of(buyer.id);
    m.seconds.observe(result.ms / MS_PER_SECOND);
    trace.ping(buyer.id, sentAt, result);
    if (result.kind === 'bid') {
      m.bids.inc();
      if (result.bidMicros < floorMicros) {
        metrics.passes.inc({ buyer: buyer.id, kind: 'BELOW_FLOOR' });
        trace.buyer(buyer.id, 'rank', 'BELOW_FLOOR');
      }
    } else {
      metrics.passes.inc({ buyer: buyer.id, kind: result.pass });
      if (result.pass === 'TIMEOUT') metrics.timeouts.inc({ buyer: buyer.id });
    }
  }
}

function scored(parts: RoundParts, c: CampaignRuntime, outcome: ScoreOutcome, trace: LeadTrace): LeadScore | null {
  parts.metrics.scores.inc({ campaign: c.id, outcome: outcome.kind === 'scored' ? outcome.grade : outcome.reason });
  trace.score(outcome);
  return outcome.kind === 'scored' ? { score: outcome.score, grade: outcome.grade } : null;
}

/**
 * One auction of the run's lead: its eligible buyers pinged all at once while the lead is scored
 * on the pool, the score joined if it is back by the run's `collectBy` (which bounds the whole
 * of it), then the bids ranked by the campaign's plan. Sets the run's `score` and `bids`;
 * returns how many buyers were eligible.
 */
export async function auctionRound(run: LeadRun, parts: RoundParts): Promise<number> {
  const { campaign: c, lead, trace, floorMicros, collectBy } = run;
  const buyers = await eligibility(run, parts);
  if (buyers.length === 0) return 0;
  // scored only when some buyer may take it: a lead no one is pinged for is not worth a worker's time
  // on the pool of the lead's own version: a swap that changed the scoring gave its version another
  const pool = c.scoring === null ? null : parts.scores.of(run.runtime);
  const ticket = pool === null ? null : pool.score(c.id, lead);
  const toPing = buyers.filter(pinged);
  const sentAt = Date.now();
  const pingedAt = performance.now();
  const results = toPing.length === 0 ? [] : await fanOut(c.id, toPing, parts.transports, pingBody(run.id, c, lead, run.test), collectBy, run);
  const settledAt = Date.now();
  for (const r of results) parts.guards.settle(r.buyer.id, r.result, settledAt, sentAt);
  count(parts, results, floorMicros, trace, pingedAt);
  // a fixed-price buyer is not pinged: its price is its bid, and under the floor it cannot rank
  for (const b of buyers) if (!pinged(b) && b.priceMicros! < floorMicros) trace.buyer(b.id, 'rank', 'BELOW_FLOOR');
  const score = ticket === null ? null : scored(parts, c, await ticket.by(collectBy), trace);
  const now = Date.now();
  const grade = score?.grade ?? null;
  const ranked = await rankPlan(c, results, run.runtime.data.server.max_bids, {
    floorMicros,
    grade,
    chance: c.rankBy === 'expected_value' ? (buyer) => parts.acceptRates.chance(buyer, grade, now) : null,
    belowGrade: (buyer) => {
      parts.metrics.passes.inc({ buyer, kind: 'BELOW_GRADE' });
      trace.buyer(buyer, 'rank', 'BELOW_GRADE');
    },
    fixed: new Set(buyers.filter((b) => !pinged(b)).map((b) => b.id)),
    // the store's turn order may take until the auction's end, not only until collectBy
    turn: (tier, candidates) => within(parts.store.takeTurn(tier.turnKey, candidates), storeBudget(run.auctionEnd), storeFailed(parts.metrics, 'turn')),
  });
  trace.ranking(ranked);
  run.score = score;
  run.bids = ranked;
  return buyers.length;
}
