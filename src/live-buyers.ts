import type { BuyerGuards } from './buyers/buyer-guards.js';
import { SocketBuyerTransport } from './buyers/socket-transport.js';
import type { BuyerTransport } from './buyers/transport.js';
import type { BuyerConfig } from './config/buyer-schema.js';
import type { BuyerRuntime, Runtime } from './config/runtime.js';

/** Refused before anything is swapped: the running process cannot take this version as it is. */
export class SwapRefused extends Error {}

/** What makes an HTTP transport what it is: a change here is a new transport. A socket buyer's is its sessions: kept. */
function transportShape(c: BuyerConfig): string {
  return c.transport === 'websocket' ? 'websocket' : JSON.stringify([c.transport, c.ping_url, c.post_url, c.connections, c.headers, c.format]);
}

/** The longest a lead of this runtime can run: a transport or guard no lead can still reach is let go after it. */
export function longestLeadMs(runtime: Runtime): number {
  return Math.max(0, ...[...runtime.campaigns.values()].map((c) => c.maxTmaxMs + c.postTmaxMs)) + 1000;
}

/** The sections a process reads once, at start: its listeners, store, ledger, traces, pools, and the dedup hashes' key. */
const PROCESS_SECTIONS = ['server', 'secret', 'redis', 'scoring_pool', 'accept_rate', 'trace', 'ledger'] as const;

/**
 * Refuse what this process cannot rebuild live: the sections it reads once at start (its
 * listeners, its store and ledger connections, the scoring pool's threads and batching, the
 * accept rates' settings, traces) and the secret its dedup hashes are keyed with. Everything
 * else a version holds is rebuilt by the swap (see live-swap.ts).
 */
export function refuseUnswappable(previous: Runtime, next: Runtime): void {
  const problems: string[] = [];
  for (const section of PROCESS_SECTIONS) {
    if (JSON.stringify(previous.data[section] ?? null) !== JSON.stringify(next.data[section] ?? null)) problems.push(`${section}: the process's own settings apply at start only`);
  }
  if (previous.secret !== next.secret) problems.push('secret: dedup hashes of leads in flight would no longer match');
  if (problems.length > 0) throw new SwapRefused(`this version cannot go live without a restart: ${problems.join('; ')}`);
}

/**
 * Each buyer's transport and guard across configuration versions. The maps are the very ones the
 * exchange and the front read, changed in place: a buyer's transport is read per call, so a post
 * of a ping taken under an earlier version reaches the buyer's current endpoint. What belongs to
 * a buyer and not to a version (its breaker, its pings in flight, its socket session) is kept for
 * a buyer whose transport did not change; a replaced or removed buyer's transport is closed once
 * no lead can still be using it (the longest a lead runs).
 */
export class LiveBuyers {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly transports: Map<string, BuyerTransport>,
    readonly sockets: Map<string, SocketBuyerTransport>,
    private readonly guards: BuyerGuards,
    private readonly open: (b: BuyerRuntime) => BuyerTransport,
  ) {}

  /** Before the swap: transports and guards for `next`'s new or changed buyers; the replaced ones retired. */
  update(previous: Runtime, next: Runtime): void {
    const before = new Map(previous.buyers.map((b) => [b.id, b]));
    const graceMs = Math.max(longestLeadMs(previous), longestLeadMs(next));
    for (const b of next.buyers) {
      const old = before.get(b.id);
      const current = this.transports.get(b.id);
      if (old !== undefined && current !== undefined && transportShape(old.config) === transportShape(b.config)) {
        // the buyer's own campaigns, which a socket it opens later may narrow; its open sockets stay
        if (current instanceof SocketBuyerTransport) current.campaigns = new Set(b.config.campaigns);
        continue;
      }
      const t = this.open(b);
      this.transports.set(b.id, t);
      if (t instanceof SocketBuyerTransport) this.sockets.set(b.id, t);
      else this.sockets.delete(b.id);
      if (current !== undefined) this.retire(current, graceMs);
    }
    this.guards.sync(next.buyers);
    const kept = new Set(next.buyers.map((b) => b.id));
    for (const id of before.keys()) {
      if (kept.has(id)) continue;
      // a lead of the previous version may still ping or post it until its deadline
      this.later(graceMs, () => {
        if (this.liveIds?.has(id)) return; // added back since
        const t = this.transports.get(id);
        this.transports.delete(id);
        this.sockets.delete(id);
        this.guards.drop(id);
        if (t !== undefined) void t.close();
      });
    }
    this.liveIds = kept;
  }

  private liveIds: ReadonlySet<string> | null = null;

  private retire(t: BuyerTransport, graceMs: number): void {
    this.retired.add(t);
    this.later(graceMs, () => {
      this.retired.delete(t);
      void t.close();
    });
  }

  private readonly retired = new Set<BuyerTransport>();

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  /** At shutdown: the replaced transports closed now (the shutdown closes every transport still in the map). */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.retired].map((t) => t.close()));
    this.retired.clear();
  }
}
