/**
 * Every return code of the Lua scripts, named once, per script: the same number means different
 * things in different scripts (-1 is a full count cap to cap-check, a rate limit to seller-gate,
 * a posted auction to auction-claim). Each script's header lists the same codes (a test checks
 * it). The Redis roles map replies through lua-replies.ts, which throws on any other code: a
 * reply no one named is a script and its caller that disagree, never a plausible answer.
 * Scripts that return a count or a list (accept-rate, trace-append, lead-index-append, turn-pick) have no codes.
 */
export const LuaCodes = {
  /** lua/cap-check-6.lua (a second value names the window of a full limit) */
  capCheck: { ROOM: 1, COUNT_FULL: -1, SPEND_FULL: -2, BOUGHT: -3, PING_RATE: -4 },
  /** lua/cap-hold-6.lua */
  capHold: { HELD: 1, COUNT_FULL: -1, SPEND_FULL: -2, BOUGHT: -3 },
  /** lua/cap-extend-6.lua: BOUGHT released the hold */
  capExtend: { EXTENDED: 1, GONE: 0, BOUGHT: -3 },
  /** lua/cap-commit-6.lua */
  capCommit: { COMMITTED: 1, GONE: 0 },
  /** lua/cap-release-5.lua */
  capRelease: { RELEASED: 1, GONE: 0 },
  /** lua/cap-restore-5.lua */
  capRestore: { GIVEN_BACK: 1, NONE: 0 },
  /** lua/dedup-claim-2.lua */
  dedupClaim: { CLAIMED: 1, DUPLICATE: 0 },
  /** lua/seller-gate-2.lua */
  sellerGate: { PASS: 1, RATE_LIMITED: -1, RESUBMITTED: -2 },
  /** lua/auction-claim-1.lua (CLAIMED's second value: the auction state) */
  auctionClaim: { CLAIMED: 1, NONE: 0, POSTED: -1 },
  /** lua/call-claim-1.lua (DONE's second value: the answer) */
  callClaim: { CLAIMED: 1, RUNNING: 2, MISMATCH: 3, DONE: 4 },
  /** lua/call-finish-1.lua */
  callFinish: { KEPT: 1, NOT_HELD: 0 },
} as const;

export type CodedScript = keyof typeof LuaCodes;

/** A script answered with a code its table does not name. */
export class UnknownLuaReply extends Error {
  constructor(
    readonly script: CodedScript,
    readonly reply: unknown,
  ) {
    super(`the ${script} script returned ${JSON.stringify(reply)}, which is not one of its codes in src/store/lua-codes.ts`);
    this.name = 'UnknownLuaReply';
  }
}
