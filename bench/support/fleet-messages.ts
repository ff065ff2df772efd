import type { BuyerCounters, MockBuyer } from '../buyer-fleet.js';

/** The IPC between a bench and the fleet process it forked. */
export type FleetRequest = { type: 'counters'; id: number } | { type: 'close' };
export type FleetMessage =
  | { type: 'ready'; buyers: Omit<MockBuyer, 'counters'>[] }
  | { type: 'counters'; id: number; counters: Record<string, BuyerCounters> };
