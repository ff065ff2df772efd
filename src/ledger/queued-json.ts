import type { z } from 'zod';

/**
 * An event read back from a durable queue, checked against its schema: Gavel wrote it, but the
 * store is shared and may hold anything. null when it is not JSON or not of the schema.
 */
export function readQueued<T>(schema: z.ZodType<T>, body: string): T | null {
  try {
    const r = schema.safeParse(JSON.parse(body));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
