import { recordedPing, type RecordedPing } from '../auction/replay-ping.js';
import { comparePings } from '../auction/replay-summary.js';
import { GavelError } from '../core/codes.js';
import { compileRuntime, type Runtime } from '../config/runtime.js';
import { parseConfig } from '../config/load-config.js';
import type { LeadIndexStore } from '../store/store.js';
import type { TraceSegment } from '../trace/lead-trace.js';
import { listLeads } from '../trace/lead-index.js';
import type { ConfigVersions } from '../versions/config-versions.js';
import { validateDocument } from '../versions/validate-document.js';

/** Where a replay reads recorded traffic: the lead index, and each lead's segments. */
export interface RecordedTraffic {
  index: LeadIndexStore;
  read(leadId: string): Promise<TraceSegment[]>;
}

/** the lead index is read in pages of this many (its own limit) */
const PAGE = 200;

/**
 * POST /v1/admin/drafts/{id}/replay: the pings recorded from `from` to `to` (at most `limit`
 * leads, newest first) replayed under the live version and under the draft
 * (src/auction/replay-summary.ts). Reads only: the lead index and the traces. A draft that does
 * not validate is refused with DRAFT_INVALID and its problems, as at publish.
 */
export async function replayDraft(versions: ConfigVersions, live: Runtime, traffic: RecordedTraffic, draftId: string, from: number, to: number, limit: number) {
  const draft = await versions.getDraft(draftId);
  const problems = validateDocument(draft.document);
  if (problems.length > 0) throw new GavelError('DRAFT_INVALID', undefined, problems);
  const draftRuntime = compileRuntime(parseConfig(draft.document, 'draft'), live.secret);
  const ids = new Set<string>();
  const pings: RecordedPing[] = [];
  try {
    let before: string | undefined;
    while (ids.size < limit) {
      const page = await listLeads(traffic.index, { from, to, limit: Math.min(PAGE, limit - ids.size), ...(before !== undefined ? { before } : {}) }, { kind: 'operator' });
      for (const row of page.leads) ids.add(row.lead_id);
      if (page.next === null) break;
      before = page.next;
    }
    for (const id of ids) {
      const ping = (await traffic.read(id)).map(recordedPing).find((r) => r !== null);
      if (ping) pings.push(ping);
    }
  } catch (e) {
    if (e instanceof GavelError) throw e;
    throw new GavelError('STORE_UNAVAILABLE', 'The recorded traffic could not be read');
  }
  // oldest first: the order they happened in
  pings.sort((a, b) => a.at - b.at);
  const compared = await comparePings(live, draftRuntime, pings);
  const { live: liveTotals, draft: draftTotals, ...rest } = compared;
  return {
    draft: draftId,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    leads: ids.size,
    not_recorded: ids.size - pings.length,
    ...rest,
    live: liveTotals,
    draft_totals: draftTotals,
  };
}
