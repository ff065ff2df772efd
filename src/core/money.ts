/**
 * Money is integer micro-units inside Gavel (1 unit = 1,000,000 micros), decimals only at
 * the edges, so no cent is lost to floating point.
 */
export const MICROS = 1_000_000;

export function toMicros(amount: number): number {
  return Math.round(amount * MICROS);
}

export function fromMicros(micros: number): number {
  return micros / MICROS;
}

/** A margin of 0.2 is 200,000 parts per million. */
export function marginPpm(margin: number): number {
  return Math.round(margin * MICROS);
}

/** What the seller is paid for a bid: bid less the margin, rounded down to the micro (BigInt: bid x ppm passes 2^53). */
export function sellerPrice(bidMicros: number, ppm: number): number {
  return Number((BigInt(bidMicros) * BigInt(MICROS - ppm)) / BigInt(MICROS));
}

/** A margin as the hot path applies it: parts per million of the price, or a fixed amount off it. */
export type MarginRuntime = { ppm: number } | { fixedMicros: number };

/** A margin as the config parses it: a share, or `fixed` already in micros. */
export function marginRuntime(m: number | { fixed: number }): MarginRuntime {
  return typeof m === 'number' ? { ppm: marginPpm(m) } : { fixedMicros: m.fixed };
}

/** What the seller is paid for a price, under a margin; never below 0. */
export function payout(priceMicros: number, m: MarginRuntime): number {
  return 'ppm' in m ? sellerPrice(priceMicros, m.ppm) : Math.max(0, priceMicros - m.fixedMicros);
}
