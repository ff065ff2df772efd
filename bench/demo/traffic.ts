import { performance } from 'node:perf_hooks';
import { formattedPhone, fullLead, pingFieldsOf, type FullLead } from '../support/leads.js';
import { createRng } from '../support/rng.js';
import type { Answer, SellerClient } from './seller-client.js';

export type Stage = 'ping' | 'post' | 'direct post';

/** How one lead ended, as its seller saw it. */
export interface LeadResult {
  route: 'ping/post' | 'direct post';
  /** re-sent with the phone of an earlier lead: Gavel must answer DUPLICATE once it sees the phone */
  duplicate: boolean;
  /** where Gavel first sees the phone, so where dedup happens */
  phoneAt: Stage;
  outcome: 'sold' | 'unsold' | 'error';
  /** unsold: the reason code; error: the HTTP status and error code */
  reason: string;
  stage: Stage;
  price: number;
  redirect: boolean;
}

export interface Traffic {
  leads: LeadResult[];
  /** seller-side time of the pings that ran an auction */
  pingMs: number[];
  /** the same for pings sent with the tight deadline */
  tightMs: number[];
  directMs: number[];
  elapsedMs: number;
}

export interface TrafficOptions {
  leads: number;
  concurrency: number;
  tmaxMs: number;
  /** share of pings sent with `tightTmaxMs`, too short for most buyers */
  tightShare: number;
  tightTmaxMs: number;
  seed: number;
  /** share of leads re-sent with an earlier lead's phone */
  duplicateShare: number;
  /** share of the other leads sent as one direct post rather than ping then post */
  directShare: number;
}

type Base = Pick<LeadResult, 'route' | 'duplicate' | 'phoneAt'>;

function errorOf(stage: Stage, a: Answer, base: Base): LeadResult {
  const code = (a.body.error as { code?: string } | undefined)?.code ?? '?';
  return { ...base, outcome: 'error', reason: `HTTP ${a.status} ${code}`, stage, price: 0, redirect: false };
}

/** A sold or rejected answer of /v1/post or /v1/leads. */
function settled(stage: Stage, a: Answer, base: Base): LeadResult {
  if (a.status !== 200) return errorOf(stage, a, base);
  if (a.body.status === 'sold') return { ...base, outcome: 'sold', reason: '', stage, price: Number(a.body.price), redirect: typeof a.body.redirect_url === 'string' };
  return { ...base, outcome: 'unsold', reason: String(a.body.reason), stage, price: 0, redirect: false };
}

/**
 * A seller's mix of traffic: ping then post (half of those pings carry the PII too, which
 * Gavel must strip before buyers see it; a few with a deadline too tight for most buyers),
 * direct posts, and duplicates of leads already seen (the phone typed differently, which
 * Gavel must normalise). `concurrency` leads in flight.
 */
export async function sendTraffic(client: SellerClient, opts: TrafficOptions): Promise<Traffic> {
  const rng = createRng(opts.seed);
  const leads: LeadResult[] = [];
  const pingMs: number[] = [];
  const tightMs: number[] = [];
  const directMs: number[] = [];
  // phones Gavel has claimed for dedup: only a finished lead's, so its twin is surely seen
  const claimed: string[] = [];
  let next = 0;

  async function direct(lead: FullLead, duplicate: boolean): Promise<LeadResult> {
    const a = await client.directPost(lead);
    if (a.status === 200 && !duplicate) {
      claimed.push(lead.phone);
      directMs.push(a.ms);
    }
    return settled('direct post', a, { route: 'direct post', duplicate, phoneAt: 'direct post' });
  }

  async function pingPost(lead: FullLead, duplicate: boolean, piiInPing: boolean, tight: boolean): Promise<LeadResult> {
    const base: Base = { route: 'ping/post', duplicate, phoneAt: piiInPing ? 'ping' : 'post' };
    const p = await client.ping(piiInPing ? lead : pingFieldsOf(lead), tight ? opts.tightTmaxMs : opts.tmaxMs);
    if (p.status !== 200) return errorOf('ping', p, base);
    if (p.body.status === 'duplicate') return { ...base, outcome: 'unsold', reason: 'DUPLICATE', stage: 'ping', price: 0, redirect: false };
    (tight ? tightMs : pingMs).push(p.ms);
    if (piiInPing && !duplicate) claimed.push(lead.phone);
    if (p.body.status !== 'bid') return { ...base, outcome: 'unsold', reason: String(p.body.reason), stage: 'ping', price: 0, redirect: false };
    const a = await client.post(String(p.body.ping_id), lead);
    if (a.status === 200 && !piiInPing && !duplicate) claimed.push(lead.phone);
    return settled('post', a, base);
  }

  async function worker(): Promise<void> {
    while (next < opts.leads) {
      const i = next++;
      const lead = fullLead(i);
      const twin = rng() < opts.duplicateShare && claimed.length > 0;
      if (twin) lead.phone = formattedPhone(claimed[Math.floor(rng() * claimed.length)]!);
      const result = rng() < opts.directShare ? await direct(lead, twin) : await pingPost(lead, twin, rng() < 0.5, rng() < opts.tightShare);
      leads.push(result);
    }
  }

  const t0 = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { leads, pingMs, tightMs, directMs, elapsedMs: performance.now() - t0 };
}
