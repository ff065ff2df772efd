import { Codes } from '../../src/core/codes.js';

const OUTCOMES = new Set(['bid', 'no_bid', 'duplicate', 'sold', 'rejected']);

/**
 * What is wrong with a seller's answer, or null when it is coded: a normal answer (HTTP 200, a
 * known status, a registered reason if any), or an error whose `error.code` is registered
 * (src/core/codes.ts) with the HTTP status it was sent with.
 */
export function uncoded(status: number, body: unknown): string | null {
  const b = body as { status?: unknown; reason?: unknown; error?: { code?: unknown } } | null;
  const seen = `HTTP ${status} ${JSON.stringify(body)?.slice(0, 300)}`;
  if (typeof b !== 'object' || b === null) return `no object body: ${seen}`;
  if (status === 200) {
    if (typeof b.status !== 'string' || !OUTCOMES.has(b.status)) return `an unknown outcome: ${seen}`;
    if (b.reason !== undefined && !(typeof b.reason === 'string' && b.reason in Codes)) return `an unregistered reason: ${seen}`;
    return null;
  }
  const code = b.error?.code;
  if (typeof code !== 'string' || !(code in Codes)) return `no registered error code: ${seen}`;
  if (Codes[code as keyof typeof Codes].status !== status) return `${code} sent with the wrong status: ${seen}`;
  return null;
}
