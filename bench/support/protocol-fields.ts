/** What the mock buyers read of a native-protocol ping or post (README, Native buyer protocol). */
export interface ProtocolFields {
  pingId: string;
  lead: Record<string, unknown>;
  tmaxMs: number;
}

/** The fields a native-protocol ping or post must carry; null when they are missing (a malformed request). */
export function protocolFields(body: unknown): ProtocolFields | null {
  if (typeof body !== 'object' || body === null) return null;
  const { ping_id: pingId, lead, tmax_ms: tmaxMs } = body as Record<string, unknown>;
  if (typeof pingId !== 'string' || typeof lead !== 'object' || lead === null || Array.isArray(lead) || typeof tmaxMs !== 'number') return null;
  return { pingId, lead: lead as Record<string, unknown>, tmaxMs };
}
