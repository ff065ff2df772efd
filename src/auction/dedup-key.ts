import { createHmac } from 'node:crypto';
import type { DedupRuleRuntime } from '../config/runtime.js';
import type { Lead } from '../config/lead-schema.js';

function hmac(secret: string, parts: readonly string[]): string {
  const h = createHmac('sha256', secret);
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('base64url');
}

/**
 * The keyed hashes of a lead's identifiers under one rule: one for ALL of its fields (null
 * while one is missing), one per field present for ANY (null when none is). Values are already
 * normalised by the lead schema (phone digits, lower-cased email) and are trimmed and
 * lower-cased once more here. Keyed with the server secret, so the store never holds an
 * identifier a dictionary attack could recover; test leads hash apart from live ones.
 */
export function ruleDigests(secret: string, rule: DedupRuleRuntime, lead: Lead, test: boolean): string[] | null {
  const mode = test ? 'test' : 'live';
  const value = (f: string) => String(lead[f]).trim().toLowerCase();
  if (rule.match === 'all') {
    for (const f of rule.fields) if (lead[f] === undefined) return null;
    return [hmac(secret, [mode, 'all', ...rule.fields.flatMap((f) => [f, value(f)])])];
  }
  const out: string[] = [];
  for (const f of rule.fields) if (lead[f] !== undefined) out.push(hmac(secret, [mode, 'any', f, value(f)]));
  return out.length > 0 ? out : null;
}

export interface LeadDigests {
  /** claims to make, one per campaign or global rule whose identifiers the lead carries */
  claims: { scopeKey: string; windowMs: number; digests: string[] }[];
  /** digests of buyer-scope rules: a buyer that bought one within the rule's window is left out */
  bought: { digest: string; windowMs: number }[];
}

export function leadDigests(secret: string, rules: readonly DedupRuleRuntime[], lead: Lead, test: boolean): LeadDigests {
  const out: LeadDigests = { claims: [], bought: [] };
  for (const rule of rules) {
    const digests = ruleDigests(secret, rule, lead, test);
    if (digests === null) continue;
    if (rule.scope === 'buyer') for (const digest of digests) out.bought.push({ digest, windowMs: rule.windowMs });
    else out.claims.push({ scopeKey: rule.scopeKey, windowMs: rule.windowMs, digests });
  }
  return out;
}

/** The payload a seller sent, keyed: the same request within the window is RESUBMITTED. */
export function payloadDigest(secret: string, route: string, payload: unknown): string {
  return hmac(secret, [route, JSON.stringify(payload)]);
}
