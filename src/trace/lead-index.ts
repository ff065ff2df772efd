import type { LeadSummary } from '../protocol/console-api.js';
import type { LeadIndexStore } from '../store/store.js';
import type { StoredSegment } from './lead-trace.js';

export type { LeadSummary };

/** Who lists: the operator sees every lead; a seller its own; a buyer those it took part in. */
export type LeadLister = { kind: 'operator' } | { kind: 'seller'; id: string } | { kind: 'buyer'; id: string };

export interface LeadFilter {
  seller?: string;
  buyer?: string;
  outcome?: string;
  from: number;
  to: number;
  limit: number;
  /** the cursor of the page before (its `next`) */
  before?: string;
}

/** A row as its lister may see it: a seller never a buyer's name; a buyer never another buyer's, nor the seller's. */
export type LeadRow =
  | LeadSummary
  | { lead_id: string; phase: string; at: string; campaign: string; outcome: string }
  | { lead_id: string; phase: string; at: string; campaign: string; bought: boolean };

/** Entries read from the store per round trip, and at most per listing (then `next` goes on). */
const PAGE = 500;
const MAX_SCANNED = 20_000;
/** a summary is indexed up to a trace batch's delay after its lead's time: the range is widened by this and then checked exactly */
const WRITE_SLACK_MS = 60_000;

/** The index's summary of one trace segment (written beside the trace, off the hot path). */
export function leadSummary(seg: StoredSegment): LeadSummary {
  const buyers = new Set<string>();
  for (const p of seg.pings) buyers.add(p[0]);
  // a fixed-price buyer is ranked without a ping
  for (const r of seg.ranking) buyers.add(r[0]);
  for (const p of seg.posts) buyers.add(p.buyer);
  const r = seg.result;
  return {
    lead_id: seg.lead_id,
    phase: seg.phase,
    at: seg.at,
    seller: seg.seller,
    campaign: seg.campaign,
    buyers: [...buyers],
    sold_to: seg.sold[0]?.buyer ?? null,
    outcome: r === null ? 'none' : r.reason !== undefined ? `${r.status}/${r.reason}` : r.status,
  };
}

function shown(s: LeadSummary, who: LeadLister): LeadRow {
  if (who.kind === 'operator') return s;
  const base = { lead_id: s.lead_id, phase: s.phase, at: s.at, campaign: s.campaign };
  if (who.kind === 'seller') return { ...base, outcome: s.outcome };
  // whether it won and why it lost are in its view of the trace (GET /v1/leads/{id})
  return { ...base, bought: s.sold_to === who.id };
}

/**
 * Lists leads from the store's index, newest first, across every process: a party's own, with
 * the filters. Reads pages until `limit` rows pass or MAX_SCANNED entries were read; `next`
 * then says where to go on (a rare seller's leads among many are found page by page, each
 * request's cost bounded).
 */
export async function listLeads(store: LeadIndexStore, f: LeadFilter, who: LeadLister): Promise<{ leads: LeadRow[]; next: string | null }> {
  const seller = who.kind === 'seller' ? who.id : f.seller;
  const buyer = who.kind === 'buyer' ? who.id : who.kind === 'operator' ? f.buyer : undefined;
  const outcome = f.outcome?.toLowerCase();
  const leads: LeadRow[] = [];
  let before = f.before;
  let scanned = 0;
  for (;;) {
    const page = await store.scanLeads(f.from, f.to + WRITE_SLACK_MS, before, PAGE);
    for (const e of page) {
      before = e.id;
      scanned++;
      const s = JSON.parse(e.json) as LeadSummary;
      const t = Date.parse(s.at);
      if (t < f.from || t >= f.to) continue;
      if (seller !== undefined && s.seller !== seller) continue;
      if (buyer !== undefined && !s.buyers.includes(buyer)) continue;
      if (outcome !== undefined && !s.outcome.toLowerCase().startsWith(outcome)) continue;
      leads.push(shown(s, who));
      if (leads.length === f.limit) return { leads, next: e.id };
    }
    if (page.length < PAGE) return { leads, next: null };
    if (scanned >= MAX_SCANNED) return { leads, next: before ?? null };
  }
}
