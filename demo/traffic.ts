import { performance } from 'node:perf_hooks';
import { formattedPhone, fullLead, pingFieldsOf, type FullLead } from '../bench/support/leads.js';
import { createRng } from '../bench/support/rng.js';
import type { Answer, Seller } from './seller-client.js';

export type Stage = 'ping' | 'post' | 'direct post';
/** How the seller reached Gavel: its HTTP API, or the seller socket (SDK) */
export type SellerWay = 'http' | 'socket';

/** How one lead ended, as its seller saw it. */
export interface LeadResult {
  route: 'ping/post' | 'direct post';
  /** every call of a lead goes the same way: its post follows its ping */
  seller: SellerWay;
  /** re-sent with the phone of an earlier lead: Gavel must answer DUPLICATE once it sees the phone */
  duplicate: boolean;
  /** where Gavel first sees the phone, so where dedup happens */
  phoneAt: Stage;
  outcome: 'sold' | 'unsold' | 'error';
  /** unsold: the reason code; error: the way, status and error code */
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
  /** share of the leads sent over the seller socket rather than HTTP, spread evenly */
  socketShare: number;
}

type Base = Pick<LeadResult, 'route' | 'seller' | 'duplicate' | 'phoneAt'>;

/** Lead i goes over the socket when it crosses the next whole multiple of the share: exactly `share` of any run, evenly spread. */
function wayOf(i: number, share: number): SellerWay {
  return Math.floor((i + 1) * share) > Math.floor(i * share) ? 'socket' : 'http';
}

function errorOf(stage: Stage, a: Answer, base: Base): LeadResult {
  const code = (a.body.error as { code?: string } | undefined)?.code ?? '?';
  return { ...base, outcome: 'error', reason: `${base.seller === 'socket' ? 'socket' : 'HTTP'} ${a.status} ${code}`, stage, price: 0, redirect: false };
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
 * Gavel must normalise). `concurrency` leads in flight; `socketShare` of them by the seller
 * socket, the rest by HTTP, the same mix either way.
 */
export async function sendTraffic(sellers: Record<SellerWay, Seller>, opts: TrafficOptions): Promise<Traffic> {
  const rng = createRng(opts.seed);
  const leads: LeadResult[] = [];
  const pingMs: number[] = [];
  const tightMs: number[] = [];
  const directMs: number[] = [];
  // phones Gavel has claimed for dedup: only a finished lead's, so its twin is surely seen
  const claimed: string[] = [];
  let next = 0;

  async function direct(way: SellerWay, lead: FullLead, duplicate: boolean): Promise<LeadResult> {
    const a = await sellers[way].directPost(lead);
    if (a.status === 200 && !duplicate) {
      claimed.push(lead.phone);
      directMs.push(a.ms);
    }
    return settled('direct post', a, { route: 'direct post', seller: way, duplicate, phoneAt: 'direct post' });
  }

  async function pingPost(way: SellerWay, lead: FullLead, duplicate: boolean, piiInPing: boolean, tight: boolean): Promise<LeadResult> {
    const base: Base = { route: 'ping/post', seller: way, duplicate, phoneAt: piiInPing ? 'ping' : 'post' };
    const client = sellers[way];
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
      const way = wayOf(i, opts.socketShare);
      const result = rng() < opts.directShare ? await direct(way, lead, twin) : await pingPost(way, lead, twin, rng() < 0.5, rng() < opts.tightShare);
      leads.push(result);
    }
  }

  const t0 = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { leads, pingMs, tightMs, directMs, elapsedMs: performance.now() - t0 };
}
