import { performance } from 'node:perf_hooks';
import type { Runtime, SellerRuntime } from '../config/runtime.js';
import { campaignFor } from '../config/experiment-arm.js';
import { GavelError } from '../core/codes.js';
import { within } from '../core/within.js';
import type { PingEnvelope, PostEnvelope } from '../protocol/seller-api.js';
import type { LeadTrace } from '../trace/lead-trace.js';
import { decodeState } from './auction-state.js';
import { leadDigests, payloadDigest } from './dedup-key.js';
import { auctionEnd, collectBy, postEnd, tooLittleTime } from './deadline.js';
import { release } from './hold.js';
import { NO_BIDS, NO_DIGESTS, NONE_BOUGHT, type LeadRun } from './lead-run.js';
import { storeFailed, type Uses } from './stage-parts.js';
import type { AuctionStore, CapStore, DedupStore, GateStore } from '../store/store.js';

/** After its post, a ping id is remembered this long, so a second post is ALREADY_POSTED, not PING_EXPIRED. */
const POSTED_RETENTION_MS = 24 * 3_600_000;
/** A post's deadline is its campaign's, unknown until its auction is read: the read has this long. */
const READ_AUCTION_MS = 1000;

export type Admission = 'ok' | 'NO_BID' | 'DUPLICATE' | 'RESUBMITTED';

/**
 * The opening a ping and a direct post share: the seller's campaign, the lead validated (a ping's
 * fields, or the full lead), and the run it goes on with. Throws UNKNOWN_CAMPAIGN or INVALID_LEAD.
 */
export function openRun(runtime: Runtime, seller: SellerRuntime, route: 'ping' | 'leads', env: PingEnvelope, receivedAt: number, trace: LeadTrace): LeadRun {
  const campaign = runtime.campaigns.get(env.campaign);
  if (campaign === undefined || (seller.campaigns !== null && !seller.campaigns.has(env.campaign))) {
    throw new GavelError('UNKNOWN_CAMPAIGN', `No campaign "${env.campaign}" for this seller`, [{ path: 'campaign', message: 'unknown campaign' }]);
  }
  // paused by the operator: new leads are refused at once; posts of pings taken before still finish
  if (!seller.active) throw new GavelError('SELLER_PAUSED');
  if (!campaign.active) throw new GavelError('CAMPAIGN_PAUSED', `Campaign "${campaign.id}" is paused by the operator`);
  // from here the lead runs under its A/B test's arm (the campaign itself when it runs none): every stage reads run.campaign
  const c = campaignFor(campaign, trace.id);
  trace.lead(c.id, env.sub_id, env.test);
  if (c.arm !== null) trace.arm(c.arm);
  const parsed = route === 'ping' ? c.schema.parsePing(env.lead) : c.schema.parseFull(env.lead);
  if (!parsed.ok) {
    trace.invalid(parsed.details);
    throw new GavelError('INVALID_LEAD', undefined, parsed.details);
  }
  // a ping may carry personal fields for dedup: only its ping fields are kept, as buyers see them
  if (runtime.data.trace.record_fields) trace.fields(route === 'ping' ? c.schema.pingView(parsed.lead) : c.schema.recordView(parsed.lead));
  const end = auctionEnd(c, env.tmax_ms, receivedAt);
  // the same fields in the same order as openPost's, so every run has one shape
  return {
    runtime,
    campaign: c,
    seller,
    route,
    envelope: env,
    lead: parsed.lead,
    test: env.test,
    subId: env.sub_id,
    trace,
    id: trace.id,
    receivedAt,
    // the wall clock of the moment it was received, in whole ms: only a buyer's own format reads it
    pingReceivedAt: Math.round(Date.now() - (performance.now() - receivedAt)),
    auctionEnd: end,
    collectBy: collectBy(end, runtime.data.server.response_margin_ms),
    answerBy: route === 'ping' ? end : postEnd(c, receivedAt),
    floorMicros: seller.floorMicros ?? c.floorMicros,
    // at a ping, a field that is not a ping field may yet come with the post: unknown until then
    pingFields: route === 'ping' ? c.schema.pingFields : null,
    digests: NO_DIGESTS,
    bought: NONE_BOUGHT,
    score: null,
    bids: NO_BIDS,
  };
}

/**
 * Whether a ping's or a direct post's lead goes on: time left for a buyer to answer, then the
 * seller's gate (rate limit, then the same payload within the resubmission window), then a claim
 * per dedup rule whose identifiers it carries. The gate comes first so a refused request never
 * claims a consumer's identifiers. Only a payload with personal data can be a resubmission: two
 * pings of partial leads alike (same zip, same age) are usually two consumers. Throws RATE_LIMITED.
 */
export async function admit(run: LeadRun, parts: Uses<'metrics', GateStore & DedupStore>): Promise<Admission> {
  // a deadline that leaves no buyer time to answer is a NO_BID at once: nothing claimed, nothing held
  if (tooLittleTime(run.collectBy - performance.now())) return 'NO_BID';
  const { runtime, campaign: c, seller, lead } = run;
  run.digests = leadDigests(runtime.secret, c.dedup, lead, run.test);
  let outcome: Admission | 'RATE_LIMITED' = 'ok';
  const identified = c.schema.piiFields.some((f) => lead[f] !== undefined);
  if (identified || seller.rate !== null) {
    const digest = identified ? payloadDigest(runtime.secret, run.route, run.envelope) : null;
    outcome = await within(
      parts.store.gateSeller(seller.id, seller.rate, digest, runtime.resubmitWindowMs, Date.now()),
      run.collectBy - performance.now(),
      storeFailed(parts.metrics, 'seller_gate'),
    );
  }
  if (outcome === 'ok' && !(await claimIdentifiers(run, parts, run.collectBy))) outcome = 'DUPLICATE';
  run.trace.dedup(outcome);
  if (outcome === 'RATE_LIMITED') throw new GavelError('RATE_LIMITED', `Seller ${seller.id} is over its rate limit`);
  if (outcome === 'DUPLICATE') parts.metrics.duplicates.inc({ campaign: c.id });
  else if (outcome === 'ok') run.bought = run.digests.bought.map((b) => b.digest);
  return outcome;
}

/** claim every rule's identifiers for the run's lead; false at the first that another lead holds */
async function claimIdentifiers(run: LeadRun, parts: Uses<'metrics', DedupStore>, by: number): Promise<boolean> {
  for (const c of run.digests.claims) {
    const ok = await within(parts.store.claimDedup(c.scopeKey, c.digests, run.id, c.windowMs, Date.now()), by - performance.now(), storeFailed(parts.metrics, 'dedup'));
    if (!ok) return false;
  }
  return true;
}

/**
 * A post's opening: its ping's auction read (look first, claim last: a post with a bad lead must
 * not burn the seller's ping), the full lead validated against the ping it follows, the auction
 * claimed, and the run it goes on with, its bids and score the ping's. Throws PING_EXPIRED,
 * ALREADY_POSTED, INVALID_LEAD or PING_MISMATCH.
 */
export async function openPost(runtime: Runtime, seller: SellerRuntime, env: PostEnvelope, receivedAt: number, trace: LeadTrace, parts: Uses<'metrics', AuctionStore>): Promise<LeadRun> {
  const found = await within(parts.store.readAuction(env.ping_id, seller.id), READ_AUCTION_MS, storeFailed(parts.metrics, 'read_auction'));
  if (found.kind === 'expired') throw new GavelError('PING_EXPIRED');
  if (found.kind === 'posted') throw new GavelError('ALREADY_POSTED');
  const state = decodeState(found.data);
  if (state.bids.length === 0) throw new GavelError('PING_EXPIRED', 'This ping had no bid');
  const campaign = runtime.campaigns.get(state.campaign);
  if (campaign === undefined) throw new GavelError('PING_EXPIRED', 'The campaign of this ping is no longer configured');
  // the ping's arm, by the ping's id: the same arm its auction ran under, while the test is unchanged
  const c = campaignFor(campaign, env.ping_id);
  // the seller's own live ping: from here the post is part of the lead's trace
  trace.lead(c.id, undefined, state.test);
  if (c.arm !== null) trace.arm(c.arm);
  const parsed = c.schema.parseFull(env.lead);
  if (!parsed.ok) {
    trace.invalid(parsed.details);
    throw new GavelError('INVALID_LEAD', undefined, parsed.details);
  }
  if (runtime.data.trace.record_fields) trace.fields(c.schema.recordView(parsed.lead));
  if (c.schema.pingFingerprint(parsed.lead) !== state.fingerprint) throw new GavelError('PING_MISMATCH');
  const end = postEnd(c, receivedAt);
  const claim = await within(parts.store.claimAuction(env.ping_id, seller.id, POSTED_RETENTION_MS), end - performance.now(), storeFailed(parts.metrics, 'claim_auction'));
  if (claim.kind === 'expired') throw new GavelError('PING_EXPIRED');
  if (claim.kind === 'posted') throw new GavelError('ALREADY_POSTED');
  return {
    runtime,
    campaign: c,
    seller,
    route: 'post',
    envelope: env,
    lead: parsed.lead,
    test: state.test,
    subId: state.subId ?? undefined,
    trace,
    // the seller's calls trace a post under its ping's id
    id: env.ping_id,
    receivedAt,
    pingReceivedAt: state.pingReceivedAt ?? Math.round(Date.now() - (performance.now() - receivedAt)),
    // the auction was the ping's: over
    auctionEnd: end,
    collectBy: end,
    answerBy: end,
    floorMicros: seller.floorMicros ?? c.floorMicros,
    pingFields: null,
    digests: NO_DIGESTS,
    bought: NONE_BOUGHT,
    score: state.score,
    bids: state.bids,
  };
}

/**
 * A post's dedup: the post carries every identifier, so the rules the ping could not judge are
 * judged now. A duplicate gives its ping's hold back and is not sold.
 */
export async function admitPost(run: LeadRun, parts: Uses<'metrics', DedupStore & CapStore>): Promise<boolean> {
  const c = run.campaign;
  run.digests = leadDigests(run.runtime.secret, c.dedup, run.lead, run.test);
  const unique = await claimIdentifiers(run, parts, run.answerBy);
  run.trace.dedup(unique ? 'ok' : 'DUPLICATE');
  if (unique) {
    run.bought = run.digests.bought.map((b) => b.digest);
    return true;
  }
  await release(parts, run.bids[0]!.buyer, run.id);
  parts.metrics.duplicates.inc({ campaign: c.id });
  return false;
}
