import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BuyerBehaviour } from '../buyer-behaviour.js';
import type { FleetOptions } from '../buyer-fleet.js';
import type { SocketBuyer, SocketFleetOptions } from '../socket-buyer-fleet.js';
import type { FleetMessage, FleetReading, FleetRequest, FleetSpec, HttpBuyer } from './fleet-messages.js';

export interface RemoteFleet<B = HttpBuyer> {
  buyers: B[];
  /** the buyers' counters and the fleet process's CPU time so far */
  read(): Promise<FleetReading>;
  close(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('../fleet-process.js', import.meta.url));

/** Fork bench/fleet-process.ts with `spec` and talk to it over IPC; resolves when its buyers are ready. */
function forkFleet<B>(spec: FleetSpec): Promise<RemoteFleet<B>> {
  const child = fork(ENTRY, [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiting = new Map<number, (r: FleetReading) => void>();
  let seq = 0;
  const request = (m: FleetRequest) => child.send(m);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${spec.kind} fleet process exited (code ${code}) before it was ready`)));
    child.on('message', (m: FleetMessage<B>) => {
      if (m.type === 'reading') {
        waiting.get(m.id)?.({ counters: m.counters, cpuMicros: m.cpuMicros });
        waiting.delete(m.id);
        return;
      }
      resolve({
        buyers: m.buyers,
        read: () =>
          new Promise((done) => {
            const id = ++seq;
            waiting.set(id, done);
            request({ type: 'read', id });
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

/** HTTP buyers in a child process: start them first, then give Gavel their URLs. */
export function startRemoteFleet(behaviours: readonly BuyerBehaviour[], options: FleetOptions = {}): Promise<RemoteFleet> {
  return forkFleet<HttpBuyer>({ kind: 'http', behaviours: [...behaviours], options });
}

/** Socket buyers in a child process: they dial Gavel, so start them once it listens; resolves when every socket is open. */
export function startRemoteSocketFleet(behaviours: readonly BuyerBehaviour[], options: SocketFleetOptions): Promise<RemoteFleet<SocketBuyer>> {
  return forkFleet<SocketBuyer>({ kind: 'socket', behaviours: [...behaviours], options });
}
