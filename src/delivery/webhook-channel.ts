import type { BuyerWebhook } from '../config/delivery-schema.js';
import { fromMicros } from '../core/money.js';
import { signedPost } from '../notify/postbacks.js';
import type { LeadBought } from '../protocol/notices.js';
import type { TryResult } from '../notify/retried-queue.js';
import type { SoldLeadData } from './lead-view.js';

/**
 * The body posted to a buyer's second URL: `lead.bought`, its ids, price and time, and the whole
 * lead unless the buyer asked for its id alone. `event_id` is the same at every try.
 */
export function webhookBody(hook: Pick<BuyerWebhook, 'body'>, d: SoldLeadData): string {
  const body: LeadBought = {
    event_id: `lead.bought:${d.lead_id}`,
    type: 'lead.bought',
    lead_id: d.lead_id,
    campaign: d.campaign,
    price: fromMicros(d.price_micros),
    grade: d.grade,
    test: d.test,
    at: new Date(d.at).toISOString(),
    ...(hook.body === 'lead' ? { lead: d.lead } : {}),
  };
  return JSON.stringify(body);
}

/** One try: the body POSTed to the buyer's URL, signed as postbacks are (x-gavel-signature). */
export function sendLeadWebhook(hook: BuyerWebhook, secret: string, d: SoldLeadData, attempt: number): Promise<TryResult> {
  return signedPost(hook.url, secret, webhookBody(hook, d), attempt);
}
