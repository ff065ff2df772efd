import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { auctionEnd, collectBy, MIN_BUYER_BUDGET_MS, pingBudget, postBudget, postEnd, storeBudget, tmaxMs, tooLittleTime } from '../../src/auction/deadline.js';
import type { BuyerRuntime, CampaignRuntime } from '../../src/config/runtime.js';

const campaign = (tmax: number, max: number, postTmax = 10_000) => ({ tmaxMs: tmax, maxTmaxMs: max, postTmaxMs: postTmax }) as CampaignRuntime;
const buyer = (timeout: number, postTimeout = 3000) => ({ config: { timeout_ms: timeout, post_timeout_ms: postTimeout } }) as BuyerRuntime;

describe('a lead’s deadlines', () => {
  it.each([
    { description: 'the campaign’s tmax when the seller asks for none', tmax: 150, max: 1000, asked: undefined, expected: 150 },
    { description: 'the seller’s own, shorter than the campaign’s', tmax: 150, max: 1000, asked: 80, expected: 80 },
    { description: 'the seller’s own, longer than the campaign’s default', tmax: 150, max: 1000, asked: 400, expected: 400 },
    { description: 'never past the campaign’s maximum', tmax: 150, max: 200, asked: 5000, expected: 200 },
    { description: 'a default over the maximum is cut to it', tmax: 300, max: 200, asked: undefined, expected: 200 },
  ])('tmax: $description', ({ tmax, max, asked, expected }) => {
    expect(tmaxMs(campaign(tmax, max), asked)).toBe(expected);
    expect(auctionEnd(campaign(tmax, max), asked, 1000)).toBe(1000 + expected);
  });

  it.each([
    { end: 1150, margin: 16, expected: 1134 },
    { end: 1150, margin: 1, expected: 1149 },
    { end: 100, margin: 200, expected: -100 },
  ])('bids are collected until $expected when the auction ends at $end with a margin of $margin', ({ end, margin, expected }) => {
    expect(collectBy(end, margin)).toBe(expected);
  });

  it('a post (or a direct post) answers by its campaign’s post_tmax_ms, whatever the ping’s tmax', () => {
    expect(postEnd(campaign(150, 1000, 10_000), 500)).toBe(10_500);
    expect(postEnd(campaign(150, 1000, 100), 500)).toBe(600);
  });

  it.each([
    { left: -5, tooLittle: true },
    { left: 0, tooLittle: true },
    { left: MIN_BUYER_BUDGET_MS - 0.001, tooLittle: true },
    { left: MIN_BUYER_BUDGET_MS, tooLittle: false },
    { left: 150, tooLittle: false },
  ])('$left ms left is too little for a buyer: $tooLittle', ({ left, tooLittle }) => {
    expect(tooLittleTime(left)).toBe(tooLittle);
  });

  it.each([
    { timeout: 100, left: 134, expected: 100 },
    { timeout: 100, left: 40, expected: 40 },
    { timeout: 30, left: 30, expected: 30 },
  ])('a buyer with a timeout of $timeout ms and $left ms left is told $expected ms', ({ timeout, left, expected }) => {
    expect(pingBudget(buyer(timeout), left)).toBe(expected);
  });

  it('a post is told the buyer’s post timeout, or the whole ms left when fewer', () => {
    const now = performance.now();
    expect(postBudget(buyer(100, 3000), now + 10_000)).toBe(3000);
    const short = postBudget(buyer(100, 3000), now + 500.9);
    expect(short).toBeLessThanOrEqual(500);
    expect(short).toBeGreaterThan(400);
    expect(Number.isInteger(short)).toBe(true);
  });

  it('a store call before an answer gives up a millisecond before the answer must leave', () => {
    const end = performance.now() + 50;
    const budget = storeBudget(end);
    expect(budget).toBeLessThanOrEqual(49);
    expect(budget).toBeGreaterThan(40);
    expect(storeBudget(performance.now() - 10)).toBeLessThan(0);
  });
});
