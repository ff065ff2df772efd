import type { BuyerCounters } from './buyer-counters.js';
import { startBuyerFleet } from './buyer-fleet.js';
import { startSocketBuyerFleet, type SocketBuyer } from './socket-buyer-fleet.js';
import type { FleetMessage, FleetRequest, FleetSpec, HttpBuyer } from './support/fleet-messages.js';

/** What the process needs of either fleet: buyers to announce, counters to read, a way to stop. */
interface RunningFleet {
  buyers: (HttpBuyer | SocketBuyer)[];
  counters(): Record<string, BuyerCounters>;
  close(): Promise<void>;
}

async function start(spec: FleetSpec): Promise<RunningFleet> {
  if (spec.kind === 'socket') return startSocketBuyerFleet(spec.behaviours, spec.options);
  const fleet = await startBuyerFleet(spec.behaviours, spec.options);
  // the counters travel in readings; the live objects stay here
  return { buyers: fleet.buyers.map(({ counters: _, ...b }) => b), counters: fleet.counters, close: fleet.close };
}

/**
 * A buyer fleet in a process of its own (bench/support/remote-fleet.ts forks it), so the
 * buyers' work does not share an event loop with the load generator it is measured against.
 * argv[2]: JSON FleetSpec, HTTP buyers or socket buyers.
 */
async function main(): Promise<void> {
  const fleet = await start(JSON.parse(process.argv[2] ?? '{}') as FleetSpec);
  const send = (m: FleetMessage) => process.send!(m);
  process.on('message', (m: FleetRequest) => {
    if (m.type === 'read') {
      const cpu = process.cpuUsage();
      send({ type: 'reading', id: m.id, counters: fleet.counters(), cpuMicros: cpu.user + cpu.system });
    }
    else if (m.type === 'close') process.disconnect();
  });
  // an orphaned fleet must not outlive the bench that started it
  process.on('disconnect', () => void fleet.close().then(() => process.exit(0)));
  send({ type: 'ready', buyers: fleet.buyers });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
