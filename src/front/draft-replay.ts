import { readRecorded, traceLagMs, type TraceScan, type TrafficCount } from '../auction/recorded-traffic.js';
import type { RecordedLead } from '../auction/recorded-lead.js';
import { ReplayEvidence } from '../auction/replay-evidence.js';
import { ReplayMarket } from '../auction/replay-lead.js';
import { ReplayComparer } from '../auction/replay-summary.js';
import { GavelError } from '../core/codes.js';
import { compileRuntime, type Runtime } from '../config/runtime.js';
import { parseConfig } from '../config/load-config.js';
import type { TraceBatch } from '../store/store.js';
import { TRACE_SHARDS } from '../store/trace-shard.js';
import type { ConfigVersions } from '../versions/config-versions.js';
import { validateDocument } from '../versions/validate-document.js';

/** Where a replay reads recorded traffic: a scan of the stored traces over a time range (TraceRecorder.scan). */
export interface RecordedTraffic {
  scan(from: number, to: number, each: (batch: TraceBatch, complete: number) => Promise<void> | void, shards?: ReadonlySet<number>): Promise<void>;
}

/** The trace shards the evidence of a replay is first gathered from (src/store/trace-shard.ts) */
const EVIDENCE_SAMPLE: ReadonlySet<number> = new Set([0]);
const EVIDENCE_REST: ReadonlySet<number> = new Set(Array.from({ length: TRACE_SHARDS - 1 }, (_, i) => i + 1));
/** A sample with fewer leads than this is not enough: the evidence is gathered from every lead. */
const EVIDENCE_ENOUGH = 4000;

/** Thrown from a scan's callback to end it once `limit` leads are read. */
class Enough extends Error {}

/** The first `limit` recorded leads of the range, oldest first, through `each`; a store that fails is STORE_UNAVAILABLE. */
async function eachLead(scan: TraceScan, from: number, to: number, lagMs: number, limit: number, each: (lead: RecordedLead) => Promise<void> | void): Promise<TrafficCount & { truncated: boolean }> {
  let n = 0;
  let truncated = false;
  let counted: TrafficCount = { leads: 0, notRecorded: 0 };
  try {
    counted = await readRecorded(scan, from, to, lagMs, async (lead) => {
      if (n >= limit) {
        truncated = true;
        throw new Enough();
      }
      n++;
      await each(lead);
    });
  } catch (e) {
    if (!(e instanceof Enough)) throw new GavelError('STORE_UNAVAILABLE', 'The recorded traffic could not be read');
    counted = { leads: n, notRecorded: 0 };
  }
  return { ...counted, truncated };
}

/**
 * POST /v1/admin/drafts/{id}/replay: the leads recorded from `from` to `to` replayed under the
 * live version and under the draft (replayRange). A draft that does not validate is refused
 * with DRAFT_INVALID and its problems, as at publish.
 */
export async function replayDraft(versions: ConfigVersions, live: Runtime, traffic: RecordedTraffic, draftId: string, from: number, to: number, limit: number) {
  const draft = await versions.getDraft(draftId);
  const problems = validateDocument(draft.document);
  if (problems.length > 0) throw new GavelError('DRAFT_INVALID', undefined, problems);
  const draftRuntime = compileRuntime(parseConfig(draft.document, 'draft'), live.secret);
  return { draft: draftId, ...(await replayRange(live, draftRuntime, traffic, from, to, limit)) };
}

/**
 * The leads recorded from `from` to `to` (the oldest `limit`) replayed under two versions
 * (src/auction/replay-lead.ts). Two reads of the range: the first gathers what the estimates
 * are drawn from (replay-evidence.ts), from a sixteenth of the leads when that is 4,000 or
 * more; the second replays each lead under both, in the order they came. Reads only the traces.
 */
export async function replayRange(live: Runtime, draftRuntime: Runtime, traffic: RecordedTraffic, from: number, to: number, limit: number, evidenceEnough = EVIDENCE_ENOUGH) {
  const lagMs = Math.max(traceLagMs(live), traceLagMs(draftRuntime));
  // a lead's post is written up to lagMs after its receipt, so the read runs that far past `to`
  const scanOf =
    (shards?: ReadonlySet<number>): TraceScan =>
    (each) =>
      traffic.scan(from, to + lagMs, each, shards);
  const scan = scanOf();
  // the evidence is gathered from a sample, the leads of one trace shard in sixteen (a hash of
  // their ids, so a fair draw), unless that sample is small: then from every lead of the range
  const evidence = new ReplayEvidence(live.acceptRate);
  const sampled = await eachLead(scanOf(EVIDENCE_SAMPLE), from, to, lagMs, limit, (lead) => evidence.add(lead));
  if (sampled.leads < evidenceEnough) await eachLead(scanOf(EVIDENCE_REST), from, to, lagMs, limit, (lead) => evidence.add(lead));
  const comparer = new ReplayComparer(new ReplayMarket(live, evidence), new ReplayMarket(draftRuntime, evidence));
  const read = await eachLead(scan, from, to, lagMs, limit, (lead) => comparer.add(lead));
  const { live: liveTotals, draft: draftTotals, ...rest } = comparer.result();
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    leads: read.leads,
    not_recorded: read.notRecorded,
    truncated: read.truncated,
    ...rest,
    live: liveTotals,
    draft_totals: draftTotals,
  };
}
