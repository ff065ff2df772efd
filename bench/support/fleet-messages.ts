import type { BuyerBehaviour } from '../buyer-behaviour.js';
import type { BuyerCounters } from '../buyer-counters.js';
import type { FleetOptions, MockBuyer } from '../buyer-fleet.js';
import type { SocketBuyer, SocketFleetOptions } from '../socket-buyer-fleet.js';

/** An HTTP buyer as the bench sees it from outside the fleet process: where Gavel reaches it. */
export type HttpBuyer = Omit<MockBuyer, 'counters'>;

/** Which fleet the process runs: mock buyers Gavel calls over HTTP, or mock buyers that dial Gavel's buyer socket. */
export type FleetSpec =
  | { kind: 'http'; behaviours: BuyerBehaviour[]; options: FleetOptions }
  | { kind: 'socket'; behaviours: BuyerBehaviour[]; options: SocketFleetOptions };

/** What the fleet process has seen and spent so far: each buyer's counters, and its own CPU time (user + system), µs. */
export interface FleetReading {
  counters: Record<string, BuyerCounters>;
  cpuMicros: number;
}

/** The IPC between a bench and the fleet process it forked; `B` is what the fleet says of each buyer once ready. */
export type FleetRequest = { type: 'read'; id: number } | { type: 'close' };
export type FleetMessage<B = HttpBuyer | SocketBuyer> = { type: 'ready'; buyers: B[] } | ({ type: 'reading'; id: number } & FleetReading);
