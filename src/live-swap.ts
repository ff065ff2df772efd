import { compileRuntime } from './config/runtime.js';
import type { LiveRuntime, Versioned } from './config/live-runtime.js';
import type { ConfigData } from './config/schema.js';
import { longestLeadMs, refuseUnswappable, SwapRefused, type LiveBuyers } from './live-buyers.js';
import type { LiveScoring } from './live-scoring.js';
import type { AcceptRates } from './market/accept-rates.js';
import type { Postbacks } from './notify/postbacks.js';
import { Deliveries } from './delivery/deliveries.js';
import { rankedBuyers } from './start-pools.js';
import type { Logger } from './telemetry/logger.js';
import type { Metrics } from './telemetry/metrics.js';

/** What a swap rebuilds or tells: the parts of a process that follow its configuration. */
export interface SwapParts {
  live: LiveRuntime;
  buyers: LiveBuyers;
  scores: LiveScoring;
  acceptRates: AcceptRates;
  postbacks: Postbacks;
  deliveries: Deliveries;
  metrics: Metrics;
  log: Logger;
  /** the secret the command line or the environment gave; undefined: the config's, else the one made up at start */
  secret: string | undefined;
}

/**
 * Makes a validated configuration live, one swap at a time. What takes time (a scoring pool whose
 * threads load the new models) is built first, off the hot path, while leads keep running on the
 * version of the moment; what fails there refuses the swap with nothing changed. Then, in one
 * synchronous step, so that no lead starts in between: the buyers' transports and guards, the
 * accept rates of buyers newly ranked by expected value, the scoring pool registered for the
 * version, the swap itself. Leads already running finish on their own version, its pool included.
 */
export class LiveSwap {
  /** the swap under way: a second one waits for it, so each is built on the version before it */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly parts: SwapParts) {}

  /** Throws the config's problems (ConfigError) or SwapRefused, with nothing changed. */
  apply(config: ConfigData, version?: number): Promise<Versioned> {
    const run = this.queue.then(() => this.swap(config, version));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async swap(config: ConfigData, version: number | undefined): Promise<Versioned> {
    const { live, buyers, scores, acceptRates, postbacks, deliveries, metrics, log } = this.parts;
    const previous = live.current().runtime;
    // a process that made its secret up keeps it: leads in flight were hashed with it
    const next = compileRuntime(config, this.parts.secret ?? config.secret ?? previous.secret);
    refuseUnswappable(previous, next);
    const relay = Deliveries.problemOf(next.data);
    if (relay !== null) throw new SwapRefused(relay);
    const scoring = await scores.prepare(next);
    // from here to the swap nothing waits: the version goes live whole, with everything it needs
    try {
      buyers.update(previous, next);
    } catch (e) {
      await scores.abandon(scoring);
      throw e;
    }
    acceptRates.track(rankedBuyers(next));
    scores.commit(next, scoring, Math.max(longestLeadMs(previous), longestLeadMs(next)));
    const now = live.swap(next, version);
    postbacks.reconfigure(next.data);
    deliveries.reconfigure(next.data);
    metrics.configVersion.set(now.version);
    log.info({ config_version: now.version, campaigns: next.campaigns.size, buyers: next.buyers.length, scoring_pool: scoring.fresh ? 'new' : 'kept' }, 'configuration swapped');
    return now;
  }
}
