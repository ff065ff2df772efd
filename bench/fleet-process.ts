import { startBuyerFleet, type BuyerBehaviour, type FleetOptions } from './buyer-fleet.js';
import type { FleetRequest, FleetMessage } from './support/fleet-messages.js';

/**
 * A buyer fleet in a process of its own (bench/support/remote-fleet.ts forks it), so the
 * buyers' work does not share an event loop with the load generator it is measured against.
 * argv[2]: JSON {behaviours, options}.
 */
async function main(): Promise<void> {
  const { behaviours, options } = JSON.parse(process.argv[2] ?? '{}') as { behaviours: BuyerBehaviour[]; options?: FleetOptions };
  const fleet = await startBuyerFleet(behaviours, options);
  const send = (m: FleetMessage) => process.send!(m);
  process.on('message', (m: FleetRequest) => {
    if (m.type === 'counters') send({ type: 'counters', id: m.id, counters: fleet.counters() });
    else if (m.type === 'close') process.disconnect();
  });
  // an orphaned fleet must not outlive the bench that started it
  process.on('disconnect', () => void fleet.close().then(() => process.exit(0)));
  send({ type: 'ready', buyers: fleet.buyers.map(({ id, port, pingUrl, postUrl }) => ({ id, port, pingUrl, postUrl })) });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
