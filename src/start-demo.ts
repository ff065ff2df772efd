import type { ConfigData } from './config/schema.js';
import type { Gavel } from './gavel.js';
import type { DemoInfo } from './protocol/console-api.js';

/** The demo market of a first run, started and stopped by main. */
export interface DemoMarket {
  /** what the demo is made of, for the console's label */
  info: DemoInfo;
  /** the simulated buyers listen: before Gavel does, so the first ping finds them */
  run(gavel: Gavel): void;
  /** stops the demo traffic: before Gavel drains */
  stop(): Promise<void>;
  /** closes the simulated buyers: after Gavel drained */
  close(): Promise<void>;
}

/**
 * `npm start` on the demo config shows a market: simulated buyers and a trickle of leads, unless
 * told not to (--no-demo, GAVEL_DEMO=0/false/no/off). Never with a config of one's own (--config,
 * GAVEL_CONFIG): a real exchange is not sent demo leads.
 */
export function demoWanted(flags: { config?: string; 'no-demo'?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (flags.config !== undefined || env.GAVEL_CONFIG) return false;
  if (flags['no-demo'] === true) return false;
  return !/^(0|false|no|off)$/i.test(env.GAVEL_DEMO ?? '');
}

/**
 * Start-up step: the demo's buyers, on the ports the configuration names. The demo's code lives
 * in demo/ (with the bench's simulated buyers it reuses) and is loaded only here, so a process on
 * its own configuration never loads it.
 */
export async function startDemo(config: ConfigData): Promise<DemoMarket> {
  const { startFirstRunFleet, runFirstRunMarket, firstRunInfo } = await import('../demo/first-run.js');
  const fleet = await startFirstRunFleet(config);
  let market: { stop(): Promise<void> } | undefined;
  return {
    info: firstRunInfo(fleet),
    run: (gavel) => void (market = runFirstRunMarket(gavel, fleet, config)),
    stop: async () => market?.stop(),
    close: () => fleet.close(),
  };
}
