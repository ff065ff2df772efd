import { createHmac } from 'node:crypto';
import type { Lead } from '../lead/lead-schema.js';

/**
 * The keyed hash of a lead's identifiers, or null when the lead does not carry all of them yet
 * (a ping without PII: dedup then happens at the post). Keyed with the server secret, so the
 * store never holds a phone or email that a dictionary attack could recover. Test leads hash
 * apart, so test traffic never marks a real consumer as seen.
 */
export function dedupDigest(secret: string, campaign: string, fields: readonly string[], lead: Lead, test: boolean): string | null {
  for (const f of fields) if (lead[f] === undefined) return null;
  const h = createHmac('sha256', secret);
  h.update(campaign);
  h.update(test ? '\0test' : '\0live');
  for (const f of fields) {
    h.update('\0');
    h.update(String(lead[f]).trim().toLowerCase());
  }
  return h.digest('base64url');
}
