import { GavelError, type Code } from '../core/codes.js';
import type { BuyerRuntime } from '../config/runtime.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import { DEFAULT_CAMPAIGN_RETURNS } from '../config/campaign-schema.js';
import type { AcceptRates } from '../market/accept-rates.js';
import { calendarWindow, weekdayOf } from '../core/calendar.js';
import { limitsAt } from '../core/cap-limits.js';
import type { CapStore } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Ledger, ReturnContext, ReturnRecord, ReturnStatus, ReturnVerdict, SaleEvent } from './ledger.js';

/** What happens once a return is approved, besides the credit the ledger writes with it (postbacks, say). */
export type ApprovedListener = (r: ReturnRecord) => void;

/**
 * Returns and credits. A buyer returns a lead it bought, within its campaign's window and its
 * own limit per billing cycle; the campaign approves it at once or leaves it for the operator.
 * The ledger reads the counts and records the verdict in one transaction, so two returns of one
 * buyer never both pass a limit with room for one. An approved return credits the buyer and
 * claws back the seller's payout (in the ledger), gives the lead's place back in the buyer's
 * caps when the campaign says so, and counts against the buyer's accept rate for ranking.
 */
export class Returns {
  private readonly listeners: ApprovedListener[] = [];

  constructor(
    private readonly live: RuntimeSource,
    private readonly ledger: Ledger,
    private readonly store: CapStore,
    private readonly acceptRates: AcceptRates,
    private readonly log: Logger,
  ) {}

  onApproved(listener: ApprovedListener): void {
    this.listeners.push(listener);
  }

  /** the buyer's billing cycle that `at` falls in, in its caps time zone */
  private cycle(buyer: BuyerRuntime, at: number): { from: number; to: number } {
    const caps = buyer.config.caps;
    const unit = buyer.config.returns.cycle;
    const w = calendarWindow(unit, at, caps.timezone, weekdayOf(caps.week_start));
    return { from: w.startsAt, to: w.endsAt };
  }

  /** POST /v1/returns: throws a GavelError with the reason a return is refused */
  async request(buyer: BuyerRuntime, leadId: string, reason: string, now: number): Promise<ReturnRecord> {
    const { from, to } = this.cycle(buyer, now);
    const limits = buyer.config.returns;
    // the sale the ledger read for the policy: what follows an approval needs it too
    let sale: SaleEvent | null = null;
    const policy = (ctx: ReturnContext): ReturnVerdict => {
      sale = ctx.sale;
      // a sale of a campaign since removed from the config is judged by the defaults
      const rules = this.live.current().runtime.data.campaigns.find((c) => c.id === ctx.sale.campaign)?.returns ?? DEFAULT_CAMPAIGN_RETURNS;
      if (now - ctx.sale.at > rules.window) return { refused: 'RETURN_WINDOW_CLOSED' };
      if (limits.max_count !== undefined && ctx.returnsInCycle + 1 > limits.max_count) return { refused: 'RETURN_LIMIT_REACHED' };
      // a share of the leads bought in the cycle; a lead bought in an earlier cycle counts toward none
      if (limits.max_share !== undefined && ctx.returnsInCycle + 1 > limits.max_share * ctx.salesInCycle) return { refused: 'RETURN_LIMIT_REACHED' };
      const auto = rules.auto_approve;
      const approve = auto === true || (auto !== false && auto.reasons.includes(reason));
      return { status: approve ? 'approved' : 'pending' };
    };
    const r = await this.ledgerCall(() => this.ledger.requestReturn({ lead_id: leadId, buyer: buyer.id, reason, at: now, cycleFrom: from, cycleTo: to }, policy));
    if ('refused' in r) throw new GavelError(r.refused as Code);
    this.log.info({ return_id: r.id, lead_id: leadId, buyer: buyer.id, status: r.status }, 'return recorded');
    if (r.status === 'approved') await this.approved(r, sale);
    return r;
  }

  /** the operator's decision on a pending return */
  async decide(id: string, decision: 'approved' | 'denied', now: number): Promise<ReturnRecord> {
    const r = await this.ledgerCall(() => this.ledger.decideReturn(id, decision, now));
    if ('refused' in r) throw new GavelError(r.refused);
    this.log.info({ return_id: r.id, status: r.status }, 'return decided');
    if (r.status === 'approved') await this.approved(r, await this.ledger.sale(r.lead_id, r.buyer).catch(() => null));
    return r;
  }

  list(filter: { status?: ReturnStatus; buyer?: string }): Promise<ReturnRecord[]> {
    return this.ledgerCall(() => this.ledger.returnsOf(filter));
  }

  private async ledgerCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'ledger call failed');
      throw new GavelError('LEDGER_UNAVAILABLE');
    }
  }

  /** what follows an approval, after the credit is recorded; none of it can undo the credit */
  private async approved(r: ReturnRecord, sale: SaleEvent | null): Promise<void> {
    const now = Date.now();
    // the buyer's accept rate learns that this lead came back, under its grade
    void this.acceptRates.record(r.buyer, sale?.grade ?? null, 'returned', now);
    const runtime = this.live.current().runtime;
    const campaign = runtime.data.campaigns.find((c) => c.id === r.campaign);
    const buyer = runtime.buyers.find((b) => b.id === r.buyer);
    const rules = buyer?.caps.get(r.campaign);
    if (campaign?.returns.restore_cap === true && sale !== null && rules !== undefined) {
      // the windows the sale counted in are those of its time; the store leaves alone those that are over
      const given = await this.store.restoreSale(r.buyer, r.lead_id, sale.price_micros, limitsAt(rules, sale.at), now).catch((e: Error) => {
        this.log.error({ return_id: r.id, err: e.message }, 'return approved, but its cap could not be given back');
        return false;
      });
      this.log.info({ return_id: r.id, given_back: given }, 'cap given back for a returned lead');
    }
    for (const l of this.listeners) l(r);
  }
}
