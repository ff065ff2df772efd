import { recorded, type AcceptRecord, type PostOutcome } from './accept-record.js';
import type { Live } from './memory-expiry.js';
import type { AcceptStore } from './store.js';

/** Buyers' decayed post outcomes in one process (the arithmetic of lua/accept-rate-1.lua: accept-record.ts). */
export class MemoryAccepts implements AcceptStore {
  /** bounded by the configured buyers and the four grades */
  private readonly accepts = new Map<string, Map<string, AcceptRecord>>();

  constructor(private readonly live: Live) {}

  async recordPostOutcome(buyer: string, grades: readonly string[], outcome: PostOutcome, now: number, halfLifeMs: number): Promise<void> {
    this.live();
    let records = this.accepts.get(buyer);
    if (records === undefined) this.accepts.set(buyer, (records = new Map()));
    for (const g of grades) records.set(g, recorded(records.get(g), outcome, now, halfLifeMs));
  }

  async acceptRecords(buyer: string): Promise<Map<string, AcceptRecord>> {
    this.live();
    return new Map(this.accepts.get(buyer) ?? []);
  }
}
