import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { hashKey } from '../../src/config/keys.js';
import { percentile } from './percentiles.js';

/** The operator key of a bench's Gavel that publishes: its hash goes into that Gavel's config (admin_keys). */
export const BENCH_ADMIN_KEY = 'bench-operator-key-0123456789';
export const BENCH_ADMIN_KEY_HASH = hashKey(BENCH_ADMIN_KEY);

/** /ready is read this often after a publish until it reports the new version */
const READY_POLL_MS = 10;
/** a version /ready has not reported this long after its publish answered is counted as not live */
const LIVE_LIMIT_MS = 5000;

/** One publish under load: a draft of the live version, its margins moved, published. Times in ms from the measured window's start. */
export interface PublishRecord {
  /** the version the publish made; absent when a call of the change failed */
  version?: number;
  /** when the change began (the draft's creation) */
  atMs: number;
  /** the three calls (draft, edit, publish), from the first sent to the last answered */
  changeMs: number;
  /** the publish call alone (POST /v1/admin/drafts/{id}/publish) */
  publishMs: number;
  /** the publish answered that the publishing process already runs the version */
  liveHere?: boolean;
  /** from the publish's answer to the first /ready that reported the version (or a later one); absent: never within LIVE_LIMIT_MS */
  lagMs?: number;
  /** why the change failed: the error code (or status) of the call that failed, and which call */
  error?: string;
}

/** What a publishing run did: the interval asked for and each publish. */
export interface PublishingRun {
  everyMs: number;
  records: PublishRecord[];
}

/** The figures a report gives of a publishing run. */
export interface PublishFigures {
  made: number;
  failed: number;
  live: number;
  publishP50Ms: number;
  publishMaxMs: number;
  changeMaxMs: number;
  /** the longest lag to live of the versions that went live (NaN when none did) */
  lagMaxMs: number;
}

export function publishFigures(run: PublishingRun): PublishFigures {
  const done = run.records.filter((r) => r.version !== undefined);
  const publishMs = done.map((r) => r.publishMs).sort((a, b) => a - b);
  const lags = done.filter((r) => r.lagMs !== undefined).map((r) => r.lagMs!);
  return {
    made: run.records.length,
    failed: run.records.length - done.length,
    live: lags.length,
    publishP50Ms: publishMs.length === 0 ? Number.NaN : percentile(publishMs, 0.5),
    publishMaxMs: publishMs.length === 0 ? Number.NaN : publishMs[publishMs.length - 1]!,
    changeMaxMs: done.length === 0 ? Number.NaN : Math.max(...done.map((r) => r.changeMs)),
    lagMaxMs: lags.length === 0 ? Number.NaN : Math.max(...lags),
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
/** the other of the two values a margin toggles between: `first`, and a step above it (below, when a share would pass 1) */
const other = (now: number, first: number, ceiling: number) => (now !== first ? first : first + 0.01 <= ceiling ? round(first + 0.01) : round(first - 0.01));

/**
 * The change each publish makes: every campaign's margin moved between its value in the first
 * version and one point off it (0.2 ↔ 0.21; a fixed margin by a cent). The campaigns compile
 * again and the seller's share moves by a point, but every auction still picks the same buyers
 * and says the same thing: a real new version whose outcome is alike. `base` holds each
 * campaign's first margin; the document is changed in place.
 */
export function toggleMargins(document: Record<string, unknown>, base: Map<string, unknown>): void {
  const campaigns = document.campaigns as { id: string; margin?: number | { fixed: number } }[];
  for (const c of campaigns) {
    if (!base.has(c.id)) base.set(c.id, c.margin ?? 0);
    const first = base.get(c.id) as number | { fixed: number };
    const now = c.margin ?? 0;
    // a share of the price stays within [0, 1]; a fixed margin is money, with no ceiling
    if (typeof first === 'number') c.margin = other(typeof now === 'number' ? now : first, first, 1);
    else c.margin = { fixed: other(typeof now === 'number' ? first.fixed : now.fixed, first.fixed, Infinity) };
  }
}

export interface PublishingOptions {
  /** the operator listener's base URL: the admin API and /ready */
  operatorUrl: string;
  adminKey: string;
  everyMs: number;
}

/** A publishing loop under way: `stop` lets the publish in progress finish (and its wait for /ready), then answers every record. */
export interface Publishing {
  stop(): Promise<PublishingRun>;
}

/** A failed admin call: its error code when the answer has one (Gavel's error shape), else its status. */
class CallFailed extends Error {}

/**
 * Publish a new configuration version every `everyMs` through the admin API, as an operator
 * would (draft of the live version, the whole document put back edited, publish), from
 * `everyMs` after the start until stopped. Each publish is followed by reading /ready every 10
 * ms until it reports the version, so a record says how long the version took to go live. One
 * publish at a time, on a fixed schedule: one that takes longer than the interval makes the next
 * skip the slots it overran, never overlap it (two would make each other's drafts stale).
 */
export function startPublishing(o: PublishingOptions): Publishing {
  const t0 = performance.now();
  const records: PublishRecord[] = [];
  const base = new Map<string, unknown>();
  let stopped = false;
  let wake: (() => void) | null = null;
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${o.operatorUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${o.adminKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const answer = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
    if (!res.ok) throw new CallFailed(`${method} ${path.replace(/drafts\/[^/]+/, 'drafts/{id}')}: ${answer.error?.code ?? res.status}`);
    return answer;
  };
  const readyVersion = async (): Promise<number> => {
    const res = await fetch(`${o.operatorUrl}/ready`);
    return ((await res.json()) as { config_version?: number }).config_version ?? 0;
  };
  const publishOnce = async (): Promise<void> => {
    const at = performance.now();
    const record: PublishRecord = { atMs: at - t0, changeMs: Number.NaN, publishMs: Number.NaN };
    records.push(record);
    try {
      const draft = (await call('POST', '/v1/admin/drafts')) as { id: string; document: Record<string, unknown> };
      toggleMargins(draft.document, base);
      await call('PUT', `/v1/admin/drafts/${draft.id}`, { document: draft.document });
      const sent = performance.now();
      const published = (await call('POST', `/v1/admin/drafts/${draft.id}/publish`, { comment: `bench: margins moved (publish ${records.length})` })) as { version: number; live_here: boolean };
      const answered = performance.now();
      Object.assign(record, { version: published.version, liveHere: published.live_here, publishMs: answered - sent, changeMs: answered - at });
      while (performance.now() - answered < LIVE_LIMIT_MS) {
        // a /ready that fails to answer is read again, as a balancer's probe would be
        if ((await readyVersion().catch(() => 0)) >= published.version) return void (record.lagMs = performance.now() - answered);
        await sleep(READY_POLL_MS);
      }
    } catch (e) {
      record.error = e instanceof CallFailed ? e.message : `no answer: ${(e as Error).message}`;
    }
  };
  const loop = (async () => {
    for (let k = 1; !stopped; ) {
      const due = t0 + k * o.everyMs;
      const wait = due - performance.now();
      if (wait > 0) {
        // stop() ends the wait at once: the run is over, no publish is due any more
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
      if (stopped) break;
      await publishOnce();
      // the next slot of the schedule still ahead: a publish that overran skips the slots it took, with no burst to catch up
      k = Math.floor((performance.now() - t0) / o.everyMs) + 1;
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      return { everyMs: o.everyMs, records };
    },
  };
}
