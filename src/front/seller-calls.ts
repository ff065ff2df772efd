import { performance } from 'node:perf_hooks';
import type { z } from 'zod';
import type { Exchange } from '../auction/exchange.js';
import { GavelError, type Detail } from '../core/codes.js';
import type { Runtime, SellerRuntime } from '../config/runtime.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { CallStore } from '../store/store.js';
import { IdempotentCalls } from './idempotent-calls.js';
import type { CallAdmission } from './call-admission.js';
import type { CallResult, SellerRoute } from './call-result.js';
import type { Logger } from '../telemetry/logger.js';
import { MS_PER_SECOND, type Metrics } from '../telemetry/metrics.js';
import { errorBody } from './respond.js';
import { LeadsEnvelope, PingEnvelope, PostEnvelope, type PingAnswer, type PostAnswer } from '../protocol/seller-api.js';
import { randomUUID } from 'node:crypto';
import { LeadTrace, UntracedLead } from '../trace/lead-trace.js';
import type { TraceRecorder } from '../trace/trace-recorder.js';
import type { Postbacks } from '../notify/postbacks.js';

function envelopeDetails(error: z.ZodError): Detail[] {
  return error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : '(body)',
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
}

/** The envelope of a call, or INVALID_REQUEST with what is wrong in it. */
function envelope<T>(schema: z.ZodType<T>, raw: unknown): T {
  const env = schema.safeParse(raw);
  if (!env.success) throw new GavelError('INVALID_REQUEST', undefined, envelopeDetails(env.error));
  return env.data;
}

/** The seller's answer, as its trace keeps it. */
function traced(trace: LeadTrace, a: PingAnswer | PostAnswer): void {
  const r: NonNullable<LeadTrace['seg']['result']> = { status: a.status };
  if ('reason' in a && a.reason !== undefined) r.reason = a.reason;
  if ('price' in a && a.price !== undefined) r.price = a.price;
  if ('message' in a && a.message !== undefined) r.message = a.message;
  trace.result(r);
}

/**
 * One seller call from its decoded message to its answer, the same over HTTP and over the
 * seller socket. Never throws: every failure is an answer with its code.
 */
/** A call runs at most its campaign's longest deadline; a claim twice that old (and 2 s) is a dead process's. */
function leaseOf(runtime: Runtime): number {
  const longest = Math.max(0, ...[...runtime.campaigns.values()].map((c) => Math.max(c.postTmaxMs, c.maxTmaxMs)));
  return 2 * longest + 2000;
}

export class SellerCalls {
  private readonly idempotent: IdempotentCalls;
  /** the idempotent calls' settings, their lease that of the configuration `leaseVersion` */
  private readonly callSettings: { windowMs: number; leaseMs: number };
  private leaseVersion: number;

  constructor(private readonly parts: { exchange: Exchange; metrics: Metrics; log: Logger; traces: TraceRecorder; postbacks: Postbacks; store: CallStore; live: RuntimeSource; admission?: CallAdmission }) {
    const now = parts.live.current();
    this.leaseVersion = now.version;
    this.callSettings = { windowMs: now.runtime.idempotencyWindowMs, leaseMs: leaseOf(now.runtime) };
    this.idempotent = new IdempotentCalls(parts.store, this.callSettings, parts.metrics, parts.log);
  }

  /**
   * `bytes`: the size of the seller's message, for its trace; `idempotencyKey`: the seller's key
   * for the call, if it gave one (a retry under it gets the first call's answer); `queuedMs`: how
   * long the call, read in whole, waited to start (call-admission.ts); `leadId`: the lead's id when
   * the caller names it (an uploaded row's, derived from its upload and row, so a row run again
   * after a crash is the same lead), else a new one
   */
  async run(seller: SellerRuntime, route: SellerRoute, raw: unknown, receivedAt: number, bytes: number, idempotencyKey?: string, queuedMs = 0, leadId?: string): Promise<CallResult> {
    const admission = this.parts.admission;
    // refused before anything starts (no trace, no store call, no claim on its Idempotency-Key):
    // a 5xx is never kept, so a retry runs the call
    const refused = admission?.enter(route, queuedMs) ?? null;
    if (refused !== null) return { status: refused.status, body: errorBody(refused.code, refused.message), ping: undefined, outcome: 'overloaded' };
    try {
      return await this.admitted(seller, route, raw, receivedAt, bytes, idempotencyKey, leadId);
    } finally {
      admission?.leave();
    }
  }

  private async admitted(seller: SellerRuntime, route: SellerRoute, raw: unknown, receivedAt: number, bytes: number, idempotencyKey: string | undefined, leadId: string | undefined): Promise<CallResult> {
    if (idempotencyKey === undefined) return this.runOnce(seller, route, raw, receivedAt, bytes, leadId);
    const now = this.parts.live.current();
    if (now.version !== this.leaseVersion) {
      // a new configuration may have longer deadlines: the lease follows them
      this.callSettings.leaseMs = leaseOf(now.runtime);
      this.leaseVersion = now.version;
    }
    return this.idempotent.run(seller.id, idempotencyKey, route, raw, () => this.runOnce(seller, route, raw, receivedAt, bytes, leadId));
  }

  private async runOnce(seller: SellerRuntime, route: SellerRoute, raw: unknown, receivedAt: number, bytes: number, leadId?: string): Promise<CallResult> {
    const { exchange, log } = this.parts;
    let ping: PingEnvelope | undefined;
    // a post is traced under its ping's id; a ping or a direct post gets its lead id here
    const postOf = route === 'post' && typeof raw === 'object' && raw !== null ? (raw as { ping_id?: unknown }).ping_id : undefined;
    const id = typeof postOf === 'string' ? postOf : (leadId ?? randomUUID());
    const trace = this.parts.traces.settings.enabled ? new LeadTrace(id, route, seller.id, receivedAt, bytes) : new UntracedLead(id, route, seller.id, receivedAt, bytes);
    let result: CallResult;
    try {
      if (route === 'ping') {
        ping = envelope(PingEnvelope, raw);
        const a = await exchange.ping(seller, ping, receivedAt, trace);
        result = { status: 200, body: a, ping, outcome: a.status === 'no_bid' ? a.reason.toLowerCase() : a.status };
        traced(trace, a);
      } else {
        const a = route === 'post' ? await exchange.post(seller, envelope(PostEnvelope, raw), receivedAt, trace) : await exchange.directPost(seller, envelope(LeadsEnvelope, raw), receivedAt, trace);
        result = { status: 200, body: a, ping, outcome: 'answered' };
        traced(trace, a);
        // a post's or a direct post's answer is the lead's result: the seller's postback, if it asked
        this.parts.postbacks.posted(seller.id, a);
      }
    } catch (e) {
      if (e instanceof GavelError) {
        // a refused lead keeps its trace, and the seller gets the id to look it up by
        const body = trace.keep && route !== 'post' ? { ...errorBody(e.code, e.message, e.details), lead_id: trace.id } : errorBody(e.code, e.message, e.details);
        result = { status: e.status, body, ping, outcome: e.code.toLowerCase() };
        trace.result({ status: 'error', reason: e.code, message: e.message });
      } else {
        log.error({ err: e, route, seller: seller.id }, 'unexpected error');
        result = { status: 500, body: errorBody('INTERNAL'), ping, outcome: 'internal' };
        trace.result({ status: 'error', reason: 'INTERNAL' });
      }
    }
    this.parts.traces.record(trace);
    return result;
  }

  /** Every ping answer, errors included, measured against its deadline once written. */
  written(result: CallResult, receivedAt: number): void {
    const ping = result.ping;
    if (ping === undefined) return;
    const { exchange, metrics } = this.parts;
    const answerBy = exchange.pingDeadline(ping, receivedAt);
    if (answerBy === null) return; // unknown campaign: an error with no auction and no deadline
    const now = performance.now();
    metrics.pings.inc({ campaign: ping.campaign, outcome: result.outcome });
    metrics.auctionSeconds.observe({ campaign: ping.campaign }, (now - receivedAt) / MS_PER_SECOND);
    metrics.slackSeconds.observe((answerBy - now) / MS_PER_SECOND);
    if (now > answerBy) metrics.lateAnswers.inc({ campaign: ping.campaign });
    this.parts.admission?.answered(now > answerBy, now);
  }
}
