import { randomInt } from 'node:crypto';
import { fullLead, pingFieldsOf } from '../bench/support/leads.js';
import type { Answer, Seller } from './seller-client.js';

/** What the trickle has done so far, as the seller saw it. */
export interface TrickleCounts {
  sent: number;
  sold: number;
  unsold: number;
  /** calls Gavel refused or that failed on the way: a demo that shows these is broken */
  errors: number;
  returnsFiled: number;
}

export interface TrickleOptions {
  /** one lead every this many ms: a few a second, a market to watch, not a load */
  everyMs: number;
  tmaxMs: number;
  /** share of leads sent as one direct post rather than ping then post */
  directShare: number;
  /** file a return for a recent sale every this many sales */
  returnEvery: number;
  /** a sold lead's id handed over to be returned by the buyer that bought it */
  fileReturn(leadId: string): Promise<void>;
  onError(stage: string, detail: string): void;
}

/**
 * A gentle, endless flow of demo leads: ping then post, or a direct post, one at a time on a
 * timer, and now and then a return of a lead just sold. Lead numbers start at a random point so
 * a restart against a persistent store does not re-send phones its dedup window still holds.
 */
export function startTrickle(seller: Seller, opts: TrickleOptions): { counts: TrickleCounts; stop(): Promise<void> } {
  const counts: TrickleCounts = { sent: 0, sold: 0, unsold: 0, errors: 0, returnsFiled: 0 };
  let i = randomInt(1_000_000, 9_000_000);
  let inFlight: Promise<void> = Promise.resolve();
  let stopped = false;

  const failed = (stage: string, a: Answer) => {
    counts.errors++;
    opts.onError(stage, `HTTP ${a.status} ${(a.body.error as { code?: string } | undefined)?.code ?? '?'}`);
  };

  async function settle(a: Answer, stage: string): Promise<void> {
    if (a.status !== 200) return failed(stage, a);
    if (a.body.status !== 'sold') return void counts.unsold++;
    counts.sold++;
    if (counts.sold % opts.returnEvery === 0 && typeof a.body.lead_id === 'string') {
      await opts.fileReturn(a.body.lead_id);
      counts.returnsFiled++;
    }
  }

  async function one(): Promise<void> {
    const lead = fullLead(i++);
    counts.sent++;
    if (Math.random() < opts.directShare) return settle(await seller.directPost(lead), 'direct post');
    const p = await seller.ping(pingFieldsOf(lead), opts.tmaxMs);
    if (p.status !== 200) return failed('ping', p);
    if (p.body.status !== 'bid') return void counts.unsold++;
    return settle(await seller.post(String(p.body.ping_id), lead), 'post');
  }

  let busy = false;
  const timer = setInterval(() => {
    // one lead at a time: a tick that finds the last lead still in flight lets it be, so a slow
    // answer thins the flow rather than piling leads up
    if (busy || stopped) return;
    busy = true;
    inFlight = one()
      .catch((e: unknown) => {
        counts.errors++;
        opts.onError('call', e instanceof Error ? e.message : String(e));
      })
      .finally(() => (busy = false));
  }, opts.everyMs);
  timer.unref();

  return {
    counts,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
  };
}
