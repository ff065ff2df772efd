import { performance } from 'node:perf_hooks';
import type { BuyerRuntime, CampaignRuntime } from '../config/runtime.js';

/**
 * A lead's deadlines, in one place: an auction has one, `received_at + tmax`, and every budget a
 * buyer or a store call gets is cut from what is left of it. Times are performance.now() ms;
 * budgets are ms left.
 */

/** A buyer whose share of the time falls below this is not pinged (or posted to): it could not answer in time. */
export const MIN_BUYER_BUDGET_MS = 2;

/** A ping's own time: what the seller asked for, else the campaign's, never more than the campaign allows. */
export function tmaxMs(c: CampaignRuntime, asked: number | undefined): number {
  return Math.min(asked ?? c.tmaxMs, c.maxTmaxMs);
}

/** When a ping's auction is over and its answer must have left; a direct post's auction ends there too. */
export function auctionEnd(c: CampaignRuntime, asked: number | undefined, receivedAt: number): number {
  return receivedAt + tmaxMs(c, asked);
}

/** When the bids of an auction ending at `end` stop being collected: what is left is the margin settling needs. */
export function collectBy(end: number, responseMarginMs: number): number {
  return end - responseMarginMs;
}

/** When a post's or a direct post's answer must have left. */
export function postEnd(c: CampaignRuntime, receivedAt: number): number {
  return receivedAt + c.postTmaxMs;
}

/** Whether `leftMs` is too little for any buyer to answer in. */
export function tooLittleTime(leftMs: number): boolean {
  return leftMs < MIN_BUYER_BUDGET_MS;
}

/** What a store call made before an answer may take: it gives up a millisecond before `end`, so the answer still leaves in time. */
export function storeBudget(end: number): number {
  return end - performance.now() - 1;
}

/** What a buyer is told it has for its ping: its own timeout, or less when the auction has less (`leftMs` whole ms). */
export function pingBudget(buyer: BuyerRuntime, leftMs: number): number {
  return Math.min(buyer.config.timeout_ms, leftMs);
}

/** What a buyer is told it has for a post that must be answered by `end`: its post timeout, or less. */
export function postBudget(buyer: BuyerRuntime, end: number): number {
  return Math.min(buyer.config.post_timeout_ms, Math.floor(end - performance.now()));
}
