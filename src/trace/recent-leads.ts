import type { LeadSummary } from '../protocol/console-api.js';
import type { StoredSegment } from './lead-trace.js';

export type { LeadSummary };

export interface LeadFilter {
  seller?: string;
  buyer?: string;
  outcome?: string;
  from?: number;
  to?: number;
  limit: number;
}

/**
 * The last segments this process traced, for the console's lead list: the store keeps traces by
 * lead id and nothing lists them. It holds the JSON the recorder made anyway (no allocation on
 * the hot path but a slot's write) and parses only when someone asks. This process's leads only,
 * and only the last `size` of them.
 */
export class RecentLeads {
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(readonly size = 1000) {
    this.ring = new Array<string | undefined>(size);
  }

  add(segmentJson: string): void {
    this.ring[this.next] = segmentJson;
    this.next = (this.next + 1) % this.size;
  }

  /** Newest first, those that pass the filter. */
  list(f: LeadFilter): LeadSummary[] {
    const out: LeadSummary[] = [];
    for (let i = 1; i <= this.size && out.length < f.limit; i++) {
      const json = this.ring[(this.next - i + this.size) % this.size];
      if (json === undefined) break;
      const s = summary(JSON.parse(json) as StoredSegment);
      const t = Date.parse(s.at);
      if (f.seller !== undefined && s.seller !== f.seller) continue;
      if (f.buyer !== undefined && !s.buyers.includes(f.buyer)) continue;
      if (f.outcome !== undefined && !s.outcome.toLowerCase().startsWith(f.outcome.toLowerCase())) continue;
      if (f.from !== undefined && t < f.from) continue;
      if (f.to !== undefined && t >= f.to) continue;
      out.push(s);
    }
    return out;
  }
}

function summary(seg: StoredSegment): LeadSummary {
  const buyers = seg.phase === 'post' ? seg.posts.map((p) => p.buyer) : seg.pings.map((p) => p[0]);
  const r = seg.result;
  return {
    lead_id: seg.lead_id,
    phase: seg.phase,
    at: seg.at,
    seller: seg.seller,
    campaign: seg.campaign,
    buyers: [...new Set(buyers)],
    sold_to: seg.sold[0]?.buyer ?? null,
    outcome: r === null ? 'none' : r.reason !== undefined ? `${r.status}/${r.reason}` : r.status,
  };
}
