import type { BatchStore, BatchSummary, BatchToSend, BuildRequest, PendingLead } from './batch-store.js';

interface Held extends BatchSummary {
  layout: string;
  items: PendingLead[];
  /** its leads' ids, kept once the items are dropped at delivery */
  leadIds: ReadonlySet<string>;
}

/** Most batch records kept per buyer: the oldest delivered ones go first. */
const KEPT = 1000;

/**
 * The embedded default's batches: this process's memory, one process, so its lease is always its
 * own. Pending leads and undelivered batches die with the process (the README says so); run on
 * PostgreSQL for batches that survive a restart.
 */
export class MemoryBatchStore implements BatchStore {
  readonly kind = 'memory' as const;
  private readonly pending = new Map<string, Map<string, PendingLead>>();
  private readonly batches = new Map<string, Held>();

  async enqueue(buyer: string, lead: PendingLead): Promise<void> {
    let q = this.pending.get(buyer);
    if (q === undefined) this.pending.set(buyer, (q = new Map()));
    if (!q.has(lead.leadId)) q.set(lead.leadId, lead);
  }

  async build(req: BuildRequest): Promise<boolean> {
    if (this.batches.has(req.id)) return false;
    const q = this.pending.get(req.buyer);
    const items = [...(q?.values() ?? [])].filter((l) => l.queuedAt < req.before).sort(byQueue);
    if (items.length === 0) return false;
    for (const l of items) q!.delete(l.leadId);
    this.batches.set(req.id, { id: req.id, buyer: req.buyer, file: req.file, windowStart: req.windowStart, builtAt: req.at, deliveredAt: null, state: 'built', leads: items.length, attempts: 0, lastError: null, nextAt: req.at, channel: req.channel, layout: req.layout, items, leadIds: new Set(items.map((l) => l.leadId)) });
    this.trim(req.buyer);
    return true;
  }

  async due(buyer: string, now: number): Promise<BatchToSend[]> {
    return [...this.batches.values()]
      .filter((b) => b.buyer === buyer && b.state === 'built' && (b.nextAt ?? 0) <= now)
      .sort((a, b) => a.windowStart - b.windowStart)
      .map(({ leadIds: _ids, ...b }) => ({ ...b }));
  }

  async delivered(id: string, at: number): Promise<void> {
    const b = this.batches.get(id);
    if (b === undefined || b.state === 'delivered') return;
    Object.assign(b, { state: 'delivered', deliveredAt: at, attempts: b.attempts + 1, nextAt: null, items: [] });
  }

  async failed(id: string, error: string, nextAt: number): Promise<void> {
    const b = this.batches.get(id);
    if (b === undefined || b.state === 'delivered') return;
    Object.assign(b, { attempts: b.attempts + 1, lastError: error, nextAt });
  }

  async list(buyer: string | undefined, limit: number): Promise<BatchSummary[]> {
    return [...this.batches.values()]
      .filter((b) => buyer === undefined || b.buyer === buyer)
      .sort((a, b) => b.builtAt - a.builtAt || b.windowStart - a.windowStart)
      .slice(0, limit)
      .map(summaryOf);
  }

  async ofLead(leadId: string): Promise<BatchSummary[]> {
    return [...this.batches.values()].filter((b) => b.leadIds.has(leadId)).map(summaryOf);
  }

  async lease(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}

  private trim(buyer: string): void {
    const mine = [...this.batches.values()].filter((b) => b.buyer === buyer && b.state === 'delivered').sort((a, b) => a.builtAt - b.builtAt);
    const total = [...this.batches.values()].filter((b) => b.buyer === buyer).length;
    for (let i = 0; i < total - KEPT && i < mine.length; i++) this.batches.delete(mine[i]!.id);
  }
}

function byQueue(a: PendingLead, b: PendingLead): number {
  return a.queuedAt - b.queuedAt || (a.leadId < b.leadId ? -1 : a.leadId > b.leadId ? 1 : 0);
}

function summaryOf({ layout: _layout, items: _items, leadIds: _ids, ...summary }: Held): BatchSummary {
  return summary;
}
