import { describe, expect, it } from 'vitest';
import { LuaCodes, UnknownLuaReply } from '../../src/store/lua-codes.js';
import { auctionClaim, callClaim, checkVerdict, extendResult, gateVerdict, holdVerdict, usageOf, yesNo } from '../../src/store/lua-replies.js';

describe("the scripts' replies, by their named codes", () => {
  it('each code maps to its own answer; the same number means what its script says', () => {
    expect(checkVerdict([LuaCodes.capCheck.ROOM])).toEqual({ ok: true });
    expect(checkVerdict([LuaCodes.capCheck.COUNT_FULL, 'd:1'])).toEqual({ ok: false, reason: 'CAP_REACHED', limit: 'count', window: 'd:1' });
    expect(checkVerdict([LuaCodes.capCheck.SPEND_FULL, 'r:60m'])).toEqual({ ok: false, reason: 'CAP_REACHED', limit: 'spend', window: 'r:60m' });
    expect(checkVerdict([LuaCodes.capCheck.BOUGHT])).toEqual({ ok: false, reason: 'ALREADY_SOLD_TO_BUYER' });
    expect(checkVerdict([LuaCodes.capCheck.PING_RATE])).toEqual({ ok: false, reason: 'PING_RATE' });
    expect(holdVerdict([LuaCodes.capHold.HELD])).toEqual({ ok: true });
    expect(holdVerdict([LuaCodes.capHold.COUNT_FULL, 'w:1'])).toEqual({ ok: false, reason: 'CAP_REACHED', limit: 'count', window: 'w:1' });
    expect(holdVerdict([LuaCodes.capHold.BOUGHT])).toEqual({ ok: false, reason: 'ALREADY_SOLD_TO_BUYER' });
    expect([1, 0, -3].map((c) => extendResult(c))).toEqual(['held', 'gone', 'sold']);
    expect([1, -1, -2].map((c) => gateVerdict(c))).toEqual(['ok', 'RATE_LIMITED', 'RESUBMITTED']);
    expect(auctionClaim([1, 'state'])).toEqual({ kind: 'claimed', data: 'state' });
    expect(auctionClaim([-1])).toEqual({ kind: 'posted' });
    expect(auctionClaim([0])).toEqual({ kind: 'expired' });
    expect([[1], [2], [3], [4, 'answer']].map((r) => callClaim(r))).toEqual([{ kind: 'claimed' }, { kind: 'running' }, { kind: 'mismatch' }, { kind: 'done', answer: 'answer' }]);
    for (const script of ['capCommit', 'capRelease', 'capRestore', 'dedupClaim', 'callFinish'] as const) expect([yesNo(script, 1), yesNo(script, 0)]).toEqual([true, false]);
    expect(usageOf([1, 2, 3, 4])).toEqual({ count: 1, spend: 2, heldCount: 3, heldSpend: 4 });
  });

  it('an unknown code throws, naming the script and the reply, instead of passing for a plausible answer', () => {
    const unknown = (f: () => unknown, script: string, reply: unknown) => {
      let thrown: unknown;
      try {
        f();
      } catch (e) {
        thrown = e;
      }
      expect(thrown, script).toBeInstanceOf(UnknownLuaReply);
      expect(thrown).toMatchObject({ script, reply });
      expect((thrown as Error).message).toContain(`the ${script} script returned ${JSON.stringify(reply)}`);
    };
    // once read as a ping rate refusal
    unknown(() => checkVerdict([-5]), 'capCheck', [-5]);
    // a hold never answers a ping rate
    unknown(() => holdVerdict([-4]), 'capHold', [-4]);
    unknown(() => holdVerdict(1), 'capHold', 1);
    // once read as 'gone'
    unknown(() => extendResult(-1), 'capExtend', -1);
    // once read as RESUBMITTED
    unknown(() => gateVerdict(0), 'sellerGate', 0);
    unknown(() => gateVerdict(-3), 'sellerGate', -3);
    // once read as expired
    unknown(() => auctionClaim([2]), 'auctionClaim', [2]);
    unknown(() => callClaim([5]), 'callClaim', [5]);
    // once read as false
    for (const script of ['capCommit', 'capRelease', 'capRestore', 'dedupClaim', 'callFinish'] as const) unknown(() => yesNo(script, -1), script, -1);
    expect(() => usageOf([1, 2, 3])).toThrow('the capUsage script returned [1,2,3], not four numbers');
  });
});
