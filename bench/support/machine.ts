import { cpus, release, type } from 'node:os';

/** The machine a report's figures come from: CPU model, cores, OS, Node. */
export function machine(): string {
  const cores = cpus();
  return `${cores[0]?.model.trim() ?? 'unknown CPU'}, ${cores.length} cores, ${type()} ${release()}, Node ${process.version}`;
}
