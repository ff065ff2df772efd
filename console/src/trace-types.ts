/** The parts of a lead's trace (GET /v1/leads/{id}, src/trace/lead-trace.ts) the console draws. */
export interface TraceSegment {
  lead_id: string;
  phase: 'ping' | 'post' | 'leads';
  at: string;
  seller: string;
  campaign: string;
  /** the campaign's A/B test and the lead's arm in it, when it ran one */
  experiment?: string;
  arm?: string;
  buyers: { buyer: string; stage: string; outcome: string; detail?: string }[];
  pings: { buyer: string; sent_ms: number; answered_ms: number; ms: number; kind: string; bid?: number; reason?: string }[];
  ranking: { buyer: string; tier: number; bid: number; price: number }[];
  posts: { buyer: string; price: number; sent_ms: number; ms: number; accepted: boolean; reason?: string; unconfirmed?: true }[];
  result: { status: string; reason?: string; price?: number; message?: string } | null;
  total_ms: number;
}
export interface Campaign {
  id: string;
  tmax_ms: number;
  max_tmax_ms: number;
  post_tmax_ms: number;
}
export type { LeadSummary } from '../../src/protocol/console-api.js';
