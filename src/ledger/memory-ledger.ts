import type {
  ArmLeadsRow,
  ArmSums,
  GroupBy,
  Ledger,
  MoneyRow,
  ReturnContext,
  ReturnRecord,
  ReturnRequest,
  ReturnStatus,
  ReturnVerdict,
  SaleEvent,
  StatsBatch,
  StatsGroup,
  StatsRow,
  SalesFilter,
} from './ledger.js';
import { checkStatsBatches, recordIds, STATS_MS_WIDTH } from './ledger.js';

interface LedgerEvent {
  kind: 'sale' | 'credit';
  event: SaleEvent;
}

interface Entry {
  event_id: string;
  account: string;
  amount_micros: number;
  at: number;
}

/** a group's key, given the record and its time: a sale's `at`, a stats row's `hour` */
const GROUP_KEYS: Record<GroupBy, (e: Pick<SaleEvent, 'buyer' | 'seller' | 'campaign'>, at: number) => string> = {
  buyer: (e) => e.buyer,
  seller: (e) => e.seller,
  campaign: (e) => e.campaign,
  day: (_e, at) => new Date(at).toISOString().slice(0, 10),
  hour: (_e, at) => new Date(at).toISOString().slice(0, 13),
};


/**
 * The ledger in this process's memory, gone on exit. Every method runs to completion without
 * an await, so each is atomic as the PostgreSQL ledger's transactions are, and two return
 * requests of one buyer never read the same counts.
 */
export class MemoryLedger implements Ledger {
  readonly kind = 'memory' as const;
  /** in the order written */
  private readonly events: LedgerEvent[] = [];
  private readonly eventIds = new Set<string>();
  private readonly entries: Entry[] = [];
  /** by `lead_id \0 buyer` */
  private readonly sales = new Map<string, SaleEvent>();
  private readonly returns = new Map<string, ReturnRecord>();
  private readonly statsBatchIds = new Set<string>();
  /** in the order recorded */
  private readonly statsRows: StatsRow[] = [];
  private readonly armRows: ArmLeadsRow[] = [];

  async start(): Promise<void> {}

  async recordSales(sales: readonly SaleEvent[]): Promise<number> {
    let added = 0;
    for (const s of sales) {
      if (!this.write('sale', { ...s })) continue;
      added++;
      const key = saleKey(s.lead_id, s.buyer);
      const held = this.sales.get(key);
      // the same pick as PostgreSQL's should ids ever disagree with the lead and buyer: earliest, then lowest id
      if (held === undefined || s.at < held.at || (s.at === held.at && s.id < held.id)) this.sales.set(key, { ...s });
    }
    return added;
  }

  async salesOf(f: SalesFilter): Promise<SaleEvent[]> {
    return [...this.sales.values()]
      .filter((s) => (f.buyer === undefined || s.buyer === f.buyer) && (f.seller === undefined || s.seller === f.seller) && s.at >= f.from && s.at < f.to)
      .sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, f.limit)
      .map((s) => ({ ...s }));
  }

  async sale(leadId: string, buyer: string): Promise<SaleEvent | null> {
    const s = this.sales.get(saleKey(leadId, buyer));
    return s === undefined ? null : { ...s };
  }

  async requestReturn(req: ReturnRequest, policy: (ctx: ReturnContext) => ReturnVerdict): Promise<ReturnRecord | { refused: string }> {
    // no await from here to the end: the check and the insert are one step
    const sale = this.sales.get(saleKey(req.lead_id, req.buyer));
    if (sale === undefined) return { refused: 'SALE_NOT_FOUND' };
    const id = recordIds.return(req.lead_id, req.buyer);
    if (this.returns.has(id)) return { refused: 'ALREADY_RETURNED' };
    const within = (t: number): boolean => t >= req.cycleFrom && t < req.cycleTo;
    let returnsInCycle = 0;
    for (const r of this.returns.values()) {
      if (r.buyer === req.buyer && r.status !== 'denied' && within(r.requested_at)) returnsInCycle++;
    }
    let salesInCycle = 0;
    for (const e of this.events) {
      if (e.kind === 'sale' && e.event.buyer === req.buyer && within(e.event.at)) salesInCycle++;
    }
    const verdict = policy({ sale: { ...sale }, returnsInCycle, salesInCycle });
    if ('refused' in verdict) return { refused: verdict.refused };
    if (verdict.status !== 'approved' && verdict.status !== 'pending') throw new Error(`ledger: a policy cannot record a return as ${String(verdict.status)}`);
    const record: ReturnRecord = {
      id,
      lead_id: sale.lead_id,
      buyer: sale.buyer,
      seller: sale.seller,
      campaign: sale.campaign,
      reason: req.reason,
      status: verdict.status,
      price_micros: sale.price_micros,
      payout_micros: sale.payout_micros,
      requested_at: req.at,
      decided_at: verdict.status === 'approved' ? req.at : null,
    };
    if (verdict.status === 'approved') this.writeCredit(sale, req.at);
    this.returns.set(id, record);
    return { ...record };
  }

  async decideReturn(id: string, decision: 'approved' | 'denied', at: number): Promise<ReturnRecord | { refused: 'RETURN_NOT_FOUND' | 'RETURN_DECIDED' }> {
    const r = this.returns.get(id);
    if (r === undefined) return { refused: 'RETURN_NOT_FOUND' };
    if (r.status !== 'pending') return { refused: 'RETURN_DECIDED' };
    if (decision === 'approved') {
      const sale = this.sales.get(saleKey(r.lead_id, r.buyer));
      if (sale === undefined) throw new Error(`ledger: return ${id} has no sale`);
      this.writeCredit(sale, at);
    }
    r.status = decision;
    r.decided_at = at;
    return { ...r };
  }

  async returnsOf(filter: { status?: ReturnStatus; buyer?: string }): Promise<ReturnRecord[]> {
    const out: ReturnRecord[] = [];
    for (const r of this.returns.values()) {
      if (filter.status !== undefined && r.status !== filter.status) continue;
      if (filter.buyer !== undefined && r.buyer !== filter.buyer) continue;
      out.push({ ...r });
    }
    return out.sort((a, b) => a.requested_at - b.requested_at || compare(a.id, b.id));
  }

  async balances(): Promise<Map<string, number>> {
    const sums = new Map<string, number>();
    for (const e of this.entries) sums.set(e.account, (sums.get(e.account) ?? 0) + e.amount_micros);
    return new Map([...sums].sort((a, b) => compare(a[0], b[0])));
  }

  async money(from: number, to: number, groupBy: GroupBy): Promise<MoneyRow[]> {
    const keyOf = GROUP_KEYS[groupBy];
    if (keyOf === undefined) throw new Error(`ledger: cannot group by ${String(groupBy)}`);
    const rows = new Map<string, MoneyRow>();
    for (const { kind, event } of this.events) {
      if (event.at < from || event.at >= to) continue;
      const key = keyOf(event, event.at);
      let row = rows.get(key);
      if (row === undefined) {
        row = { key, sold: 0, revenue_micros: 0, payout_micros: 0, margin_micros: 0, returns: 0, credits_micros: 0 };
        rows.set(key, row);
      }
      if (kind === 'sale') {
        row.sold++;
        row.revenue_micros += event.price_micros;
        row.payout_micros += event.payout_micros;
        row.margin_micros += event.price_micros - event.payout_micros;
      } else {
        row.returns++;
        row.credits_micros += event.price_micros;
      }
    }
    return [...rows.values()].sort((a, b) => compare(a.key, b.key));
  }

  async recordStats(batches: readonly StatsBatch[]): Promise<number> {
    checkStatsBatches(batches);
    let added = 0;
    for (const b of batches) {
      if (this.statsBatchIds.has(b.id)) continue;
      this.statsBatchIds.add(b.id);
      added++;
      // copies: the caller's rows may be reused for its next flush
      for (const r of b.rows) this.statsRows.push({ ...r, ms: [...r.ms] });
      for (const r of b.arms ?? []) this.armRows.push({ ...r });
    }
    return added;
  }

  async stats(from: number, to: number, groupBy: GroupBy): Promise<StatsGroup[]> {
    const keyOf = GROUP_KEYS[groupBy];
    if (keyOf === undefined) throw new Error(`ledger: cannot group by ${String(groupBy)}`);
    const byBuyer = groupBy === 'buyer';
    const groups = new Map<string, StatsGroup>();
    for (const r of this.statsRows) {
      if (r.hour < from || r.hour >= to) continue;
      const leadRow = r.buyer === '';
      if (byBuyer && leadRow) continue;
      const key = keyOf(r, r.hour);
      let g = groups.get(key);
      if (g === undefined) {
        g = { key, leads: 0, pings: 0, bids: 0, wins: 0, posts_accepted: 0, posts_rejected: 0, ms: new Array<number>(STATS_MS_WIDTH).fill(0) };
        groups.set(key, g);
      }
      // by buyer every figure is the buyer's own; otherwise a lead is counted (and timed) once, by
      // its leads' row, and each buyer's row adds that buyer's pings, bids, wins and posts
      if (byBuyer || leadRow) {
        g.leads += r.leads;
        for (let i = 0; i < STATS_MS_WIDTH; i++) g.ms[i] += r.ms[i];
      }
      if (!leadRow) {
        g.pings += r.pings;
        g.bids += r.bids;
        g.wins += r.wins;
        g.posts_accepted += r.posts_accepted;
        g.posts_rejected += r.posts_rejected;
      }
    }
    return [...groups.values()].sort((a, b) => compare(a.key, b.key));
  }

  async armSums(campaign: string, experiment: string): Promise<ArmSums[]> {
    const arms = new Map<string, ArmSums>();
    const arm = (name: string): ArmSums => {
      let a = arms.get(name);
      if (a === undefined) arms.set(name, (a = { arm: name, leads: 0, sold: 0, sales: 0, revenue_micros: 0, payout_micros: 0, margin_micros: 0, margin_sq: 0 }));
      return a;
    };
    for (const r of this.armRows) if (r.campaign === campaign && r.experiment === experiment) arm(r.arm).leads += r.leads;
    // each sold lead's margin, its sales added (a shared lead sells several times)
    const byLead = new Map<string, { arm: string; margin: number }>();
    for (const { kind, event: e } of this.events) {
      if (kind !== 'sale' || e.campaign !== campaign || e.experiment !== experiment || e.arm === undefined) continue;
      const a = arm(e.arm);
      a.sales++;
      a.revenue_micros += e.price_micros;
      a.payout_micros += e.payout_micros;
      a.margin_micros += e.price_micros - e.payout_micros;
      const key = `${e.arm}\u0000${e.lead_id}`;
      const lead = byLead.get(key);
      if (lead === undefined) byLead.set(key, { arm: e.arm, margin: e.price_micros - e.payout_micros });
      else lead.margin += e.price_micros - e.payout_micros;
    }
    for (const { arm: name, margin } of byLead.values()) {
      const a = arm(name);
      a.sold++;
      a.margin_sq += margin * margin;
    }
    return [...arms.values()];
  }

  async close(): Promise<void> {}

  private writeCredit(sale: SaleEvent, at: number): void {
    const id = recordIds.credit(sale.lead_id, sale.buyer);
    // one return per lead and buyer, so its credit is new; anything else means the books disagree with the returns
    if (!this.write('credit', { ...sale, id, at })) throw new Error(`ledger: the credit for ${sale.lead_id} to ${sale.buyer} was already written`);
  }

  /** A sale moves money buyer -> seller and margin; a credit the reverse. False when the id was seen. */
  private write(kind: 'sale' | 'credit', event: SaleEvent): boolean {
    if (this.eventIds.has(event.id)) return false;
    this.eventIds.add(event.id);
    this.events.push({ kind, event });
    // 0 - x, not -x: a zero amount stays +0, as PostgreSQL returns it
    const entry = (account: string, amount: number): Entry => ({ event_id: event.id, account, amount_micros: kind === 'sale' ? amount : 0 - amount, at: event.at });
    this.entries.push(
      entry(`buyer:${event.buyer}`, 0 - event.price_micros),
      entry(`seller:${event.seller}`, event.payout_micros),
      entry('exchange:margin', event.price_micros - event.payout_micros),
    );
    return true;
  }
}

const saleKey = (leadId: string, buyer: string): string => `${leadId}\u0000${buyer}`;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
