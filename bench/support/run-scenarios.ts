import type { BuyerBehaviour } from '../buyer-behaviour.js';
import type { Scenario, Target } from '../scenarios/scenario.js';
import type { FleetReading, HttpBuyer } from './fleet-messages.js';
import { startRemoteFleet } from './remote-fleet.js';

/** A scenario's server, started and ready for the load, with the buyers it was given. */
export interface Started {
  scenario: Scenario;
  target: Target;
  /** the HTTP buyers of the shared fleet this scenario pings */
  buyers: readonly HttpBuyer[];
  /** the shared fleet's counters; absent when no scenario has an HTTP buyer */
  readFleet?: () => Promise<FleetReading>;
}

/** How one server is measured once it is up: the suite's load levels, or a scenario file's rate. */
export interface Measurement<R> {
  measure(started: Started): Promise<R[]>;
  /** what `Target.stop` found wrong with the server, for its results */
  stopped(results: R[], problems: string[]): void;
}

/** The shared buyers, then every scenario's extra buyers once each. */
function fleetOf(shared: readonly BuyerBehaviour[], scenarios: readonly Scenario[]): BuyerBehaviour[] {
  const byId = new Map(shared.map((b) => [b.id, b]));
  for (const s of scenarios) {
    for (const b of s.extraBuyers ?? []) {
      const known = byId.get(b.id);
      if (known === undefined) byId.set(b.id, b);
      else if (known !== b && JSON.stringify(known) !== JSON.stringify(b)) throw new Error(`bench: buyer "${b.id}" declared twice with different behaviours (${s.name})`);
    }
  }
  return [...byId.values()];
}

/**
 * The bench's one runner: the shared HTTP buyers and every scenario's extra ones in one fleet
 * process (started once, so every server meets the same buyers), then each scenario's server in
 * turn: started, measured, stopped before the next starts, so no two servers share the machine.
 */
export async function runScenarios<R>(shared: readonly BuyerBehaviour[], scenarios: readonly Scenario[], redisUrl: string, how: Measurement<R>): Promise<R[]> {
  const behaviours = fleetOf(shared, scenarios);
  const fleet = behaviours.length > 0 ? await startRemoteFleet(behaviours, { seed: 1 }) : null;
  const sharedIds = new Set(shared.map((b) => b.id));
  const results: R[] = [];
  try {
    for (const scenario of scenarios) {
      const own = new Set((scenario.extraBuyers ?? []).map((b) => b.id));
      const buyers = (fleet?.buyers ?? []).filter((b) => sharedIds.has(b.id) || own.has(b.id));
      const target = await scenario.start({ buyers, redisUrl });
      const measured: R[] = [];
      try {
        measured.push(...(await how.measure({ scenario, target, buyers, ...(fleet !== null ? { readFleet: () => fleet.read() } : {}) })));
      } finally {
        how.stopped(measured, await target.stop());
        results.push(...measured);
      }
    }
  } finally {
    await fleet?.close();
  }
  return results;
}
