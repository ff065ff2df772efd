import { LuaCodes, UnknownLuaReply } from './lua-codes.js';
import type { CallClaim, ClaimResult, GateVerdict, Verdict, WindowUsage } from './store.js';

/** What a script call resolves to through ioredis. */
export type Reply = number | string | null | Reply[];

const CHECK = LuaCodes.capCheck;
const HOLD = LuaCodes.capHold;

/** lua/cap-check-6.lua's reply */
export function checkVerdict(r: Reply): Verdict {
  if (Array.isArray(r)) {
    switch (r[0]) {
      case CHECK.ROOM:
        return { ok: true };
      case CHECK.COUNT_FULL:
        return { ok: false, reason: 'CAP_REACHED', limit: 'count', window: String(r[1]) };
      case CHECK.SPEND_FULL:
        return { ok: false, reason: 'CAP_REACHED', limit: 'spend', window: String(r[1]) };
      case CHECK.BOUGHT:
        return { ok: false, reason: 'ALREADY_SOLD_TO_BUYER' };
      case CHECK.PING_RATE:
        return { ok: false, reason: 'PING_RATE' };
    }
  }
  throw new UnknownLuaReply('capCheck', r);
}

/** lua/cap-hold-6.lua's reply */
export function holdVerdict(r: Reply): Verdict {
  if (Array.isArray(r)) {
    switch (r[0]) {
      case HOLD.HELD:
        return { ok: true };
      case HOLD.COUNT_FULL:
        return { ok: false, reason: 'CAP_REACHED', limit: 'count', window: String(r[1]) };
      case HOLD.SPEND_FULL:
        return { ok: false, reason: 'CAP_REACHED', limit: 'spend', window: String(r[1]) };
      case HOLD.BOUGHT:
        return { ok: false, reason: 'ALREADY_SOLD_TO_BUYER' };
    }
  }
  throw new UnknownLuaReply('capHold', r);
}

/** lua/cap-extend-6.lua's reply */
export function extendResult(r: Reply): 'held' | 'gone' | 'sold' {
  const c = LuaCodes.capExtend;
  if (r === c.EXTENDED) return 'held';
  if (r === c.GONE) return 'gone';
  if (r === c.BOUGHT) return 'sold';
  throw new UnknownLuaReply('capExtend', r);
}

/** The scripts whose reply is done (1) or not (0), with their codes' names. */
const YES_NO = {
  capCommit: [LuaCodes.capCommit.COMMITTED, LuaCodes.capCommit.GONE],
  capRelease: [LuaCodes.capRelease.RELEASED, LuaCodes.capRelease.GONE],
  capRestore: [LuaCodes.capRestore.GIVEN_BACK, LuaCodes.capRestore.NONE],
  dedupClaim: [LuaCodes.dedupClaim.CLAIMED, LuaCodes.dedupClaim.DUPLICATE],
  callFinish: [LuaCodes.callFinish.KEPT, LuaCodes.callFinish.NOT_HELD],
} as const;

/** the reply of a script that did what it was asked (true) or found nothing to do it to (false) */
export function yesNo(script: keyof typeof YES_NO, r: Reply): boolean {
  const codes = YES_NO[script];
  if (r === codes[0]) return true;
  if (r === codes[1]) return false;
  throw new UnknownLuaReply(script, r);
}

/** lua/cap-usage-5.lua's reply: four numbers */
export function usageOf(r: Reply): WindowUsage {
  if (!Array.isArray(r) || r.length !== 4 || !r.every((x) => typeof x === 'number')) throw new Error(`the capUsage script returned ${JSON.stringify(r)}, not four numbers`);
  return { count: r[0] as number, spend: r[1] as number, heldCount: r[2] as number, heldSpend: r[3] as number };
}

/** lua/seller-gate-2.lua's reply */
export function gateVerdict(r: Reply): GateVerdict {
  const c = LuaCodes.sellerGate;
  if (r === c.PASS) return 'ok';
  if (r === c.RATE_LIMITED) return 'RATE_LIMITED';
  if (r === c.RESUBMITTED) return 'RESUBMITTED';
  throw new UnknownLuaReply('sellerGate', r);
}

/** lua/auction-claim-1.lua's reply */
export function auctionClaim(r: Reply): ClaimResult {
  const c = LuaCodes.auctionClaim;
  if (Array.isArray(r)) {
    if (r[0] === c.CLAIMED) return { kind: 'claimed', data: String(r[1]) };
    if (r[0] === c.POSTED) return { kind: 'posted' };
    if (r[0] === c.NONE) return { kind: 'expired' };
  }
  throw new UnknownLuaReply('auctionClaim', r);
}

/** lua/call-claim-1.lua's reply */
export function callClaim(r: Reply): CallClaim {
  const c = LuaCodes.callClaim;
  if (Array.isArray(r)) {
    switch (r[0]) {
      case c.CLAIMED:
        return { kind: 'claimed' };
      case c.RUNNING:
        return { kind: 'running' };
      case c.MISMATCH:
        return { kind: 'mismatch' };
      case c.DONE:
        return { kind: 'done', answer: String(r[1]) };
    }
  }
  throw new UnknownLuaReply('callClaim', r);
}
