import type { Runtime } from '../config/runtime.js';
import type { TraceBatch } from '../store/store.js';
import type { StoredSegment } from '../trace/lead-trace.js';
import { recordedLead, type RecordedLead } from './recorded-lead.js';

/** A scan of the stored traces (TraceRecorder.scan): batches of leads' segments, and how far the scan is complete. */
export type TraceScan = (each: (batch: TraceBatch, complete: number) => Promise<void> | void) => Promise<void>;

/** What a read of the recorded traffic found. */
export interface TrafficCount {
  /** leads whose ping or direct post was received in the range */
  leads: number;
  /** of them, recorded without their fields (trace.record_fields off then): not replayable */
  notRecorded: number;
}

/**
 * The longest a lead's last segment can be written after its receipt: its post may come a
 * ping_ttl later and run for post_tmax, and a trace batch waits a while before it is written.
 * A lead is handed on only when the scan is complete that far past it, so its post is with it.
 */
export function traceLagMs(runtime: Runtime): number {
  let lag = 0;
  for (const c of runtime.campaigns.values()) lag = Math.max(lag, c.pingTtlMs + c.postTmaxMs);
  return lag + 60_000;
}

/**
 * The recorded leads received from `from` to `to`, handed to `each` oldest first (ties by id),
 * each with all its segments; never all held at once: a lead is handed on once the scan is
 * complete `lagMs` past its receipt. The same scan gives the same leads in the same order.
 */
export async function readRecorded(scan: TraceScan, from: number, to: number, lagMs: number, each: (lead: RecordedLead) => Promise<void> | void): Promise<TrafficCount> {
  const pending = new Map<string, { at: number; segs: string[] }>();
  const count: TrafficCount = { leads: 0, notRecorded: 0 };
  const handOn = async (upTo: number) => {
    const ready = [...pending].filter(([, p]) => p.at < upTo);
    ready.sort((a, b) => a[1].at - b[1].at || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [id, p] of ready) {
      pending.delete(id);
      const segs = p.segs.map((s) => JSON.parse(s) as StoredSegment);
      const lead = recordedLead(segs);
      // a lead is counted by its ping's (or direct post's) receipt, so a post whose ping is out of range is not a lead of it
      if (lead === null) {
        const first = segs.find((s) => s.phase !== 'post');
        if (first !== undefined && first.campaign !== '' && inRange(Date.parse(first.at))) {
          count.leads++;
          count.notRecorded++;
        }
        continue;
      }
      if (!inRange(lead.at)) continue;
      count.leads++;
      await each(lead);
    }
  };
  const inRange = (at: number) => at >= from && at <= to;
  let handedUpTo = -Infinity;
  await scan(async (batch, complete) => {
    for (const [id, segs] of batch) {
      let p = pending.get(id);
      if (p === undefined) pending.set(id, (p = { at: Infinity, segs: [] }));
      for (const s of segs) {
        // a segment read twice (written while this process still held it) counts once
        if (p.segs.includes(s)) continue;
        p.segs.push(s);
        // its receipt time without parsing the whole segment: `at` is the third key written
        const at = Date.parse(atOf(s));
        if (at < p.at) p.at = at;
      }
    }
    // a lead is ready only when the scan is complete past it: nothing new while that stands still
    if (complete > handedUpTo) {
      handedUpTo = complete;
      await handOn(complete - lagMs);
    }
  });
  await handOn(Infinity);
  return count;
}

/** A stored segment's `at` (lead-trace.ts writes lead_id, phase, at first); a parse when it is not where expected. */
function atOf(seg: string): string {
  const i = seg.indexOf('"at":"');
  if (i >= 0 && i < 200) return seg.slice(i + 6, seg.indexOf('"', i + 6));
  return (JSON.parse(seg) as StoredSegment).at;
}
