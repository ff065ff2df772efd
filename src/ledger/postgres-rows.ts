import type { ReturnRecord, ReturnStatus, SaleEvent } from './ledger.js';
import { toMs } from './postgres-time.js';

/** The ledger's rows as the PostgreSQL ledger selects them, and their reading into records. */

type Row = Record<string, unknown>;

export const EVENT_COLUMNS = `event_id, lead_id, campaign, seller, sub_id, buyer, grade, price_micros, payout_micros, ${toMs('at')} AS at, experiment, arm`;
export const RETURN_COLUMNS =
  `id, lead_id, buyer, seller, campaign, reason, status, price_micros, payout_micros, ` +
  `${toMs('requested_at')} AS requested_at, ${toMs('decided_at')} AS decided_at`;

export function toSale(row: Row): SaleEvent {
  const sale: SaleEvent = {
    id: String(row.event_id),
    lead_id: String(row.lead_id),
    campaign: String(row.campaign),
    seller: String(row.seller),
    sub_id: row.sub_id === null ? null : String(row.sub_id),
    buyer: String(row.buyer),
    price_micros: Number(row.price_micros),
    payout_micros: Number(row.payout_micros),
    grade: row.grade === null ? null : String(row.grade),
    at: Number(row.at),
  };
  // absent, not null, when no A/B test ran: as the exchange wrote the sale
  if (row.experiment !== null && row.experiment !== undefined) sale.experiment = String(row.experiment);
  if (row.arm !== null && row.arm !== undefined) sale.arm = String(row.arm);
  return sale;
}

export function toReturn(row: Row): ReturnRecord {
  return {
    id: String(row.id),
    lead_id: String(row.lead_id),
    buyer: String(row.buyer),
    seller: String(row.seller),
    campaign: String(row.campaign),
    reason: String(row.reason),
    status: row.status as ReturnStatus,
    price_micros: Number(row.price_micros),
    payout_micros: Number(row.payout_micros),
    requested_at: Number(row.requested_at),
    decided_at: row.decided_at === null ? null : Number(row.decided_at),
  };
}
