import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BuyerBehaviour, BuyerCounters, FleetOptions, MockBuyer } from '../buyer-fleet.js';
import type { FleetMessage, FleetRequest } from './fleet-messages.js';

export interface RemoteFleet {
  buyers: Omit<MockBuyer, 'counters'>[];
  counters(): Promise<Record<string, BuyerCounters>>;
  close(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('../fleet-process.js', import.meta.url));

/** Start a buyer fleet in a child process and talk to it over IPC. */
export function startRemoteFleet(behaviours: readonly BuyerBehaviour[], options: FleetOptions = {}): Promise<RemoteFleet> {
  const child = fork(ENTRY, [JSON.stringify({ behaviours, options })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiting = new Map<number, (c: Record<string, BuyerCounters>) => void>();
  let seq = 0;
  const request = (m: FleetRequest) => child.send(m);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fleet process exited (code ${code}) before it was ready`)));
    child.on('message', (m: FleetMessage) => {
      if (m.type === 'counters') {
        waiting.get(m.id)?.(m.counters);
        waiting.delete(m.id);
        return;
      }
      resolve({
        buyers: m.buyers,
        counters: () =>
          new Promise((done) => {
            const id = ++seq;
            waiting.set(id, done);
            request({ type: 'counters', id });
          }),
        close: async () => {
          if (child.connected) request({ type: 'close' });
          const timer = setTimeout(() => child.kill(), 3000);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}
