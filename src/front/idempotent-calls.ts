import { createHash } from 'node:crypto';
import { within } from '../core/within.js';
import { GavelError } from '../core/codes.js';
import type { CallStore } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { errorBody } from './respond.js';
import type { CallResult, SellerRoute } from './call-result.js';

/** A key is 1 to 255 visible ASCII characters (and spaces), as payment APIs take them. */
const KEY = /^[\x20-\x7e]{1,255}$/;
/** how often a retry asks whether the first call has answered */
const POLL_MS = 20;
/** the most a store call of the key's may take before the call is answered STORE_UNAVAILABLE */
const STORE_MS = 500;

export interface IdempotencyOptions {
  /** how long a key's answer is kept (server.idempotency_window) */
  windowMs: number;
  /** the longest a call may run (the campaigns' longest post or ping deadline, with room): a claim older is taken for dead */
  leaseMs: number;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('base64url');

/**
 * A seller's calls under an idempotency key (`Idempotency-Key` over HTTP, `idempotency_key` on
 * the socket): the first call with a key runs; a retry within the window gets the first call's
 * answer, status and body, instead of RESUBMITTED; a retry that comes while the first still runs
 * waits for its answer; the same key on another request is IDEMPOTENCY_KEY_REUSED. The record is
 * in the store, so a retry may land on any process. An answer of the 5xx kind (the store, the
 * ledger, a drain) is not kept: a retry runs the call anew.
 */
export class IdempotentCalls {
  constructor(
    private readonly store: CallStore,
    private readonly opts: IdempotencyOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  async run(seller: string, key: string, route: SellerRoute, raw: unknown, call: () => Promise<CallResult>): Promise<CallResult> {
    try {
      if (!KEY.test(key)) {
        throw new GavelError('INVALID_REQUEST', undefined, [{ path: 'Idempotency-Key', message: '1 to 255 visible ASCII characters' }]);
      }
      // the store holds digests: neither the seller's key nor its lead is written there in clear
      const keyDigest = digest(key);
      const fingerprint = digest(`${route}\n${JSON.stringify(raw)}`);
      const until = performance.now() + this.opts.leaseMs + STORE_MS;
      for (;;) {
        const claim = await within(this.store.claimCall(seller, keyDigest, fingerprint, Date.now(), this.opts.leaseMs, this.opts.windowMs), STORE_MS, () => undefined);
        if (claim.kind === 'mismatch') throw new GavelError('IDEMPOTENCY_KEY_REUSED');
        if (claim.kind === 'done') {
          this.metrics.idempotentCalls.inc({ result: 'replayed' });
          const kept = JSON.parse(claim.answer) as { status: number; body: unknown };
          return { status: kept.status, body: kept.body, ping: undefined, outcome: 'replayed' };
        }
        if (claim.kind === 'claimed') {
          this.metrics.idempotentCalls.inc({ result: 'run' });
          return await this.runClaimed(seller, keyDigest, fingerprint, call);
        }
        // running elsewhere (or here): its answer is this retry's too
        if (performance.now() > until) throw new GavelError('STORE_UNAVAILABLE', 'The first call with this Idempotency-Key has not answered; retry later');
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } catch (e) {
      if (!(e instanceof GavelError)) throw e;
      this.metrics.idempotentCalls.inc({ result: e.code.toLowerCase() });
      return { status: e.status, body: errorBody(e.code, e.message, e.details), ping: undefined, outcome: e.code.toLowerCase() };
    }
  }

  private async runClaimed(seller: string, keyDigest: string, fingerprint: string, call: () => Promise<CallResult>): Promise<CallResult> {
    const result = await call();
    const kept = result.status < 500 ? JSON.stringify({ status: result.status, body: result.body }) : null;
    // kept before the answer leaves, so a retry that follows it finds the answer, not a claim
    await within(this.store.finishCall(seller, keyDigest, fingerprint, kept, this.opts.windowMs), STORE_MS, () => undefined).catch(() => {
      // the call was answered; only a retry of it is affected (it runs again, and the lead's gates judge it)
      this.metrics.storeErrors.inc({ op: 'idempotency', kind: 'error' });
      this.log.warn({ seller }, 'an idempotent call was answered but its answer could not be kept');
    });
    return result;
  }
}
