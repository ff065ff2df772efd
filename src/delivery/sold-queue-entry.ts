import { z } from 'zod';
import { seal, unseal } from '../core/sealed.js';
import { readQueued } from '../ledger/queued-json.js';
import type { SoldLeadData } from './lead-view.js';

/** The ways a sold lead is delivered besides its post (the batch files are another: src/delivery). */
export const CHANNELS = ['email', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];

/** the purpose sold leads are sealed under (src/core/sealed.ts) */
const PURPOSE = 'delivery';

/**
 * A delivery waiting in the queue: who and what in clear (ids, buyer, campaign: no personal
 * data), the lead itself sealed, so a reader of the store without the secret reads nothing of it.
 */
const Entry = z.strictObject({ channel: z.enum(CHANNELS), buyer: z.string(), lead_id: z.string(), campaign: z.string(), sealed: z.string() });
export type QueuedDelivery = z.infer<typeof Entry>;

export function entryOf(channel: Channel, d: SoldLeadData, secret: string): string {
  return JSON.stringify({ channel, buyer: d.buyer, lead_id: d.lead_id, campaign: d.campaign, sealed: seal(secret, PURPOSE, JSON.stringify(d)) } satisfies QueuedDelivery);
}

/** The entry and its lead, or null: not an entry of ours, or sealed under another secret. */
export function openEntry(raw: string, secret: string): { entry: QueuedDelivery; data: SoldLeadData } | null {
  const entry = readQueued(Entry, raw);
  if (entry === null) return null;
  const plain = unseal(secret, PURPOSE, entry.sealed);
  if (plain === null) return null;
  return { entry, data: JSON.parse(plain) as SoldLeadData };
}
