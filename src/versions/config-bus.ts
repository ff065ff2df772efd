/** What one Gavel process says about the configuration it runs, for the operator to see that all agree. */
export interface ProcessReport {
  /** host:pid:random, as the durable queues name the process */
  id: string;
  /** the configuration version it runs */
  version: number;
  /** epoch ms of its last report */
  at: number;
}

/**
 * How the processes on one store tell each other that a version went live, and report the version
 * each runs. A notice is only a hint to read the live version at once: a lost one delays a change
 * (each process also polls the live version every second), never loses it.
 */
export interface ConfigBus {
  /** tell every process (this one included) that `version` is live */
  announce(version: number): Promise<void>;
  /** call `onVersion` at each notice; resolves once listening (or once it failed: the poll then carries changes) */
  listen(onVersion: (version: number) => void): Promise<void>;
  /** record what this process runs now */
  report(r: ProcessReport): Promise<void>;
  /** every process that reported within `withinMs` of `now` */
  processes(now: number, withinMs: number): Promise<ProcessReport[]>;
  close(): Promise<void>;
}

/** The bus of a process on the embedded store: it is the only process, so it hears itself. */
export class LocalConfigBus implements ConfigBus {
  private readonly listeners: ((version: number) => void)[] = [];
  private last: ProcessReport | null = null;

  async announce(version: number): Promise<void> {
    for (const l of this.listeners) l(version);
  }

  async listen(onVersion: (version: number) => void): Promise<void> {
    this.listeners.push(onVersion);
  }

  async report(r: ProcessReport): Promise<void> {
    this.last = r;
  }

  async processes(now: number, withinMs: number): Promise<ProcessReport[]> {
    return this.last !== null && now - this.last.at <= withinMs ? [this.last] : [];
  }

  async close(): Promise<void> {
    this.listeners.length = 0;
  }
}
