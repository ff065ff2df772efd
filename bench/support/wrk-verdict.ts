/**
 * When a closed-loop ratio may be printed. A closed loop measures the slower of the server and
 * the load generator; a ratio of two servers is only the servers' when the generator was the
 * limit of neither. The same rule for either generator (wrk, or frames on the seller socket:
 * each process one thread of JavaScript). Two witnesses, both from the same run:
 *
 * - the generator's own CPU during the compared runs: with one thread, a share of a core near 1
 *   means it was busy all the time, so it, not the server, set the pace;
 * - the front ceiling it reached: the most wrk drove from a server that does nothing. If that is
 *   not well above the servers compared, the generator (or the box it shares) is close to its
 *   own limit at their rates too, and the ratio would be squeezed toward 1.
 */

/** A share of a core at or above this, and the generator was (near) its limit */
export const GENERATOR_CORE_LIMIT = 0.9;
/** the front ceiling must reach at least this many times the relay's answers/s */
export const CEILING_HEADROOM = 3;

/** One server's figures over a set of rounds (medians). */
export interface ServerFigures {
  perSecond: number;
  cpuMicrosPerCall: number;
  /** the generator's share of one core over the server's runs (the highest of the rounds) */
  generatorCoreShare: number;
}

export interface Verdict {
  /** Gavel / relay, present when the bench may print them */
  ratios?: { throughput: number; cpuPerCall: number };
  /** why no ratio is printed; empty when the ratios are given */
  refused: string[];
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The ratios of Gavel to the relay, or why the bench refuses to print them. */
export function wrkVerdict(ceiling: ServerFigures | undefined, relay: ServerFigures | undefined, gavel: ServerFigures | undefined, generator = 'wrk'): Verdict {
  const refused: string[] = [];
  if (relay === undefined || gavel === undefined) return { refused: ['no bare relay and Gavel both measured: nothing to compare'] };
  for (const [name, s] of [['the bare relay', relay], ['Gavel', gavel]] as const) {
    if (!(s.perSecond > 0)) refused.push(`${name} answered nothing`);
    if (s.generatorCoreShare >= GENERATOR_CORE_LIMIT) refused.push(`${generator} used ${pct(s.generatorCoreShare)} of a core against ${name} (limit ${pct(GENERATOR_CORE_LIMIT)}): the generator set the pace`);
  }
  if (ceiling === undefined) refused.push('no front ceiling measured: nothing shows the generator had room');
  else if (!(ceiling.perSecond >= CEILING_HEADROOM * relay.perSecond)) {
    refused.push(`the front ceiling reached ${Math.round(ceiling.perSecond)}/s, under ${CEILING_HEADROOM}× the relay's ${Math.round(relay.perSecond)}/s: the generator (or the box it shares) is near its own limit at these rates`);
  }
  if (refused.length > 0) return { refused };
  return { ratios: { throughput: gavel.perSecond / relay.perSecond, cpuPerCall: gavel.cpuMicrosPerCall / relay.cpuMicrosPerCall }, refused };
}

/** The median of a list (the mean of the middle two for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The order of the servers in round `k` (from 0): forward, reversed, reversed, forward, … (ABBA), so no server always runs first or last. */
export function roundOrder<T>(servers: readonly T[], k: number): T[] {
  return k % 4 === 1 || k % 4 === 2 ? [...servers].reverse() : [...servers];
}
