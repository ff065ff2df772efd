/** What the SDK's connections have in common: a first open, and whether they are open now. */
export interface Opening {
  readonly ready: Promise<void>;
  readonly connected: boolean;
}

/**
 * Resolves when every connection has opened once. An SDK connection whose upgrade is refused
 * (a wrong key) never opens and keeps retrying, so without a limit a bench would wait forever:
 * rejects after `ms`, naming `what` and, through `why`, what each stuck connection last saw.
 */
export function allOpen<C extends Opening>(connections: readonly C[], ms: number, what: string, why: (c: C) => string = () => ''): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const stuck = connections.filter((c) => !c.connected);
      const seen = stuck.slice(0, 3).map(why).filter(Boolean);
      reject(new Error(`${what}: ${stuck.length} of ${connections.length} sockets not open after ${ms} ms${seen.length ? ` (${seen.join('; ')})` : ''}`));
    }, ms);
    void Promise.all(connections.map((c) => c.ready)).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
