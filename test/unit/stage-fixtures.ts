import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ExchangeParts, LostBid } from '../../src/auction/exchange.js';
import { BuyerCells, type StageParts } from '../../src/auction/stage-parts.js';
import { BuyerGuards } from '../../src/buyers/buyer-guards.js';
import type { Bid, BuyerTransport, Pass, PingSink, PostOutcome } from '../../src/buyers/transport.js';
import { parseConfig } from '../../src/config/load-config.js';
import { compileRuntime, type Runtime, type SellerRuntime } from '../../src/config/runtime.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { toMicros } from '../../src/core/money.js';
import { AcceptRates } from '../../src/market/accept-rates.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { LeadTrace, type TracePhase } from '../../src/trace/lead-trace.js';

/**
 * What the in-process stage tests share: a configuration compiled as the server compiles it,
 * the exchange's parts on the memory store, and buyers that answer in-process through the
 * BuyerTransport interface (no server, no port), so a stage runs in microseconds.
 */

export const SELLER = 'pub1';
const SELLER_KEY = 'seller-key-0123456789';

/** The campaign of these tests: ping fields zip/state/age; PII name/phone/email; dedup on phone. */
export function stageConfig(buyers: ({ id: string } & Record<string, unknown>)[], campaign: Record<string, unknown> = {}, seller: Record<string, unknown> = {}): ConfigInput {
  return {
    secret: 'stage-secret-0123456789abcdef',
    campaigns: [
      {
        id: 'auto',
        tmax_ms: 150,
        margin: 0.2,
        floor: 1.0,
        dedup: { fields: ['phone'], window: '30d' },
        fields: {
          zip: { type: 'string', pattern: '^[0-9]{5}$', required: true, ping: true },
          state: { type: 'string', required: true, ping: true },
          age: { type: 'integer', min: 18, max: 120, ping: true },
          name: { type: 'string', pii: true },
          phone: { type: 'phone', required: true, pii: true },
          email: { type: 'email', pii: true },
        },
        ...campaign,
      },
    ],
    sellers: [{ id: SELLER, api_key: SELLER_KEY, ...seller }],
    // the URLs are never called here: the exchange reaches buyers through the transports a test gives it
    buyers: buyers.map((b) => ({ campaigns: ['auto'], ping_url: `http://127.0.0.1:9/${b.id}/ping`, post_url: `http://127.0.0.1:9/${b.id}/post`, ...b })) as ConfigInput['buyers'],
  };
}

export function runtimeOf(config: ConfigInput): Runtime {
  return compileRuntime(parseConfig(config), undefined);
}

/** The test seller as the front hands it to the exchange, found by its key. */
export function sellerOf(runtime: Runtime): SellerRuntime {
  const party = runtime.keys.resolve(SELLER_KEY);
  if (party?.kind !== 'seller') throw new Error(`no seller with the key ${SELLER_KEY}`);
  return party.seller;
}

let phones = 1_000_000;
/** A fresh, valid full lead with a phone of its own. */
export function fullLead(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { zip: '90210', state: 'CA', age: 40, name: 'Ada Lovelace', phone: `55${String(phones++).padStart(8, '0')}`, email: 'ada@example.com', ...over };
}

export function pingLead(lead: Record<string, unknown>): Record<string, unknown> {
  return { zip: lead.zip, state: lead.state, age: lead.age };
}

export function traceOf(phase: TracePhase, id: string = randomUUID()): LeadTrace {
  return new LeadTrace(id, phase, SELLER, performance.now(), 100);
}

/** What a scripted buyer answers a ping with: a bid in dollars, or a pass. */
export type PingScript = number | 'pass';

/**
 * A buyer reached in-process: a real BuyerTransport that answers each ping on the next turn of
 * the event loop, from its script, and accepts or rejects posts. What it was sent is kept.
 */
export class ScriptedBuyer implements BuyerTransport {
  readonly abortable = false;
  readonly pings: Record<string, unknown>[] = [];
  readonly posts: Record<string, unknown>[] = [];

  constructor(
    public bid: PingScript,
    public accepts = true,
  ) {}

  ping(_campaign: string, bodyPrefix: string, budgetMs: number, _until: number, _signal: AbortSignal, sink: PingSink, i: number): void {
    this.pings.push(JSON.parse(`${bodyPrefix}${budgetMs}}`) as Record<string, unknown>);
    const answer: Bid | Pass = this.bid === 'pass' ? { kind: 'pass', pass: 'NO_BID', reason: undefined, ms: 0 } : { kind: 'bid', bidMicros: toMicros(this.bid), bidId: `bid-${this.pings.length}`, ms: 0 };
    setImmediate(() => sink.answer(i, answer));
  }

  post(_campaign: string, body: string): Promise<PostOutcome> {
    this.posts.push(JSON.parse(body) as Record<string, unknown>);
    return Promise.resolve({ accepted: this.accepts, unconfirmed: false, redirectUrl: undefined, reason: this.accepts ? undefined : 'NOT_INTERESTED', ms: 0 });
  }

  queued(): number {
    return 0;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export interface TestParts extends ExchangeParts {
  store: MemoryStore;
  /** the loss notices the exchange gave */
  lost: { leadId: string; lost: readonly LostBid[] }[];
}

/** An exchange's parts on a fresh memory store, the ledger off. */
export function partsOf(runtime: Runtime, transports: ReadonlyMap<string, BuyerTransport> = new Map()): TestParts {
  const store = new MemoryStore();
  const metrics = createMetrics();
  const lost: TestParts['lost'] = [];
  return {
    runtime,
    store,
    transports,
    metrics,
    log: createLogger([], 'silent'),
    scores: { of: () => null },
    guards: new BuyerGuards(runtime.buyers, () => undefined),
    acceptRates: new AcceptRates(runtime, store, [], () => undefined),
    sales: null,
    lossNotices: (leadId, _test, l) => void lost.push({ leadId, lost: l }),
    deliveries: null,
    lost,
  };
}

/** The same parts as a stage takes them. */
export function stagePartsOf(parts: TestParts): StageParts {
  return { ...parts, cells: new BuyerCells(parts.metrics) };
}

/** A counter's value for these labels (0 when never counted). */
export async function counted(counter: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> }, labels: Record<string, string>): Promise<number> {
  const { values } = await counter.get();
  return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
}
