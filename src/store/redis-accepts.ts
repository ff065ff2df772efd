import { OUTCOME_ARG, parseRecord, type AcceptRecord, type PostOutcome } from './accept-record.js';
import { keys } from './keys.js';
import type { RedisClient, Scripts } from './redis-connection.js';
import type { AcceptStore } from './store.js';

/** Buyers' decayed post outcomes in Redis: one hash per buyer, grade -> record (lua/accept-rate-1.lua). */
export class RedisAccepts implements AcceptStore {
  constructor(
    private readonly client: RedisClient,
    private readonly scripts: Scripts,
  ) {}

  async recordPostOutcome(buyer: string, grades: readonly string[], outcome: PostOutcome, now: number, halfLifeMs: number): Promise<void> {
    await this.scripts.acceptRate(keys.accept(buyer), now, halfLifeMs, OUTCOME_ARG[outcome], ...grades);
  }

  async acceptRecords(buyer: string): Promise<Map<string, AcceptRecord>> {
    const out = new Map<string, AcceptRecord>();
    for (const [grade, text] of Object.entries(await this.client.hgetall(keys.accept(buyer)))) {
      const r = parseRecord(text);
      if (r !== undefined) out.set(grade, r);
    }
    return out;
  }
}
