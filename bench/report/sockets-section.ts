import { loadPlan, loadTable, runNotes, sectionHead, type PartFigures, type RunInfo } from './load-table.js';
import type { LoadSettings } from '../scenarios/scenario.js';
import { IN_FLIGHT_PER_SOCKET, socketsFor } from '../support/socket-load.js';

/** How many seller sockets carried each level, e.g. "4 sockets at 32 in flight, 1 at 1 in flight". */
function sellerSockets(load: LoadSettings): string {
  return load.levels.map((l) => `${socketsFor(l.connections)} at ${l.label}`).join(', ');
}

/**
 * The `sockets` part: Gavel's four paths, the seller on HTTP or on the seller socket, the
 * buyers on HTTP or on the buyer socket, each row against the all-HTTP row of the same run.
 * Carries its own machine, command and date so it can be lifted into bench/README.md as it is.
 */
export function socketsSection(p: PartFigures, run: RunInfo): string[] {
  return [
    ...sectionHead("Gavel's sockets: the seller socket and the buyer socket against HTTP", run),
    '- server: Gavel (`node dist/src/main.js`) in its own process on the real Redis, a key prefix of its own per row, dropped after; ' +
      'the demo campaign, a distinct lead per ping, tmax_ms 150',
    `- seller over HTTP: autocannon, one connection per ping in flight; seller socket: the SDK's connectSeller, ` +
      `up to ${IN_FLIGHT_PER_SOCKET} pings in flight per socket (${sellerSockets(run.load)}), a closed loop as autocannon's ` +
      '(each caller sends its next ping when its last is answered), latency per call with performance.now(); ' +
      "Gavel's error answers count as non-2xx, calls the SDK failed (timeout, socket closed) as errors",
    `- load: ${loadPlan(run.load)}`,
    `- buyers: ${p.buyers}`,
    "- Gavel CPU: user + system time of Gavel's process over the run, per 2xx ping; \"vs row 1\" is the ratio to the first row " +
      '(HTTP seller, HTTP buyers) at the same load, in the same run',
    '',
    ...loadTable(p, run.load, { baseline: 'row 1', cpu: 'Gavel' }),
    ...runNotes(p),
  ];
}
