/**
 * The lean generators of the closed loop (`--generator`): wrk for a seller over HTTP, frames
 * (frame-load.ts) for a seller on the socket. Each speaks one of the two; a scenario measured
 * with the other is refused, naming the right one, never measured by a generator that would set
 * the figure.
 */
export type GeneratorName = 'wrk' | 'frames';

/** The generator `--generator <text>` names for a scenario whose seller comes in as `seller`; throws when it cannot drive it. */
export function generatorFor(scenario: string, text: string | undefined, seller: 'http' | 'socket'): GeneratorName {
  if (text !== 'wrk' && text !== 'frames') throw new Error(`--generator: "${text}" is not one of wrk (a seller over HTTP), frames (a seller on the seller socket)`);
  if (text === 'wrk' && seller === 'socket') throw new Error(`${scenario}: its seller calls over the seller socket, which wrk does not speak; measure it with --generator frames (the bench's seller-socket generator)`);
  if (text === 'frames' && seller === 'http') throw new Error(`${scenario}: its seller calls over HTTP; frames speaks only the seller socket: measure it with --generator wrk`);
  return text;
}

/** How a report names the load of a run by `generator` with `connections` calls in flight for `durationS`. */
export function loadText(generator: GeneratorName, connections: number, durationS: number, processes: number): string {
  if (generator === 'wrk') return `\`wrk -t1 -c${connections} -d${durationS}s --latency\`, a closed loop of ${connections} connections`;
  const sockets = processes === 1 ? '' : ` in ${processes} processes`;
  return `frames (bench/support/frame-load.ts: WebSocket frames written and read by hand over plain sockets, a Node process of its own${sockets}), a closed loop of ${connections} calls in flight on the seller socket, 8 per socket`;
}
