import { performance } from 'node:perf_hooks';
import type { z } from 'zod';
import type { Exchange } from '../auction/exchange.js';
import { GavelError, type Detail } from '../codes.js';
import type { SellerRuntime } from '../config/runtime.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { errorBody } from './respond.js';
import { LeadsEnvelope, PingEnvelope, PostEnvelope } from './seller-api.js';

export type SellerRoute = 'ping' | 'post' | 'leads';

export interface CallResult {
  status: number;
  body: unknown;
  /** set for pings: measured against their deadline once written */
  ping: PingEnvelope | undefined;
  outcome: string;
}

function envelopeDetails(error: z.ZodError): Detail[] {
  return error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : '(body)',
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
}

/**
 * One seller call from its decoded message to its answer, the same over HTTP and over the
 * seller socket. Never throws: every failure is an answer with its code.
 */
export class SellerCalls {
  constructor(private readonly parts: { exchange: Exchange; metrics: Metrics; log: Logger }) {}

  async run(seller: SellerRuntime, route: SellerRoute, raw: unknown, receivedAt: number): Promise<CallResult> {
    const { exchange, log } = this.parts;
    let ping: PingEnvelope | undefined;
    try {
      if (route === 'ping') {
        const env = PingEnvelope.safeParse(raw);
        if (!env.success) throw new GavelError('INVALID_REQUEST', undefined, envelopeDetails(env.error));
        ping = env.data;
        const a = await exchange.ping(seller, ping, receivedAt);
        return { status: 200, body: a, ping, outcome: a.status === 'no_bid' ? a.reason.toLowerCase() : a.status };
      }
      if (route === 'post') {
        const env = PostEnvelope.safeParse(raw);
        if (!env.success) throw new GavelError('INVALID_REQUEST', undefined, envelopeDetails(env.error));
        return { status: 200, body: await exchange.post(seller, env.data, receivedAt), ping, outcome: 'answered' };
      }
      const env = LeadsEnvelope.safeParse(raw);
      if (!env.success) throw new GavelError('INVALID_REQUEST', undefined, envelopeDetails(env.error));
      return { status: 200, body: await exchange.directPost(seller, env.data, receivedAt), ping, outcome: 'answered' };
    } catch (e) {
      if (e instanceof GavelError) return { status: e.status, body: errorBody(e.code, e.message, e.details), ping, outcome: e.code.toLowerCase() };
      log.error({ err: e, route, seller: seller.id }, 'unexpected error');
      return { status: 500, body: errorBody('INTERNAL'), ping, outcome: 'internal' };
    }
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
    metrics.auctionMs.observe({ campaign: ping.campaign }, now - receivedAt);
    metrics.slackMs.observe(answerBy - now);
    if (now > answerBy) metrics.lateAnswers.inc({ campaign: ping.campaign });
  }
}
