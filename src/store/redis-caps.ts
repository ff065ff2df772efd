import type { RateRuntime } from '../config/runtime.js';
import type { Limits } from '../core/cap-limits.js';
import { keys } from './keys.js';
import { checkVerdict, extendResult, holdVerdict, usageOf, yesNo } from './lua-replies.js';
import type { Arg, RedisClient, Scripts } from './redis-connection.js';
import type { CapStore, Purchase, Verdict, WindowUsage } from './store.js';

/** The script's limit arguments: calendar windows, then rolling windows, then the buyer's purchases. */
function limitArgs(argv: Arg[], limits: Limits, sold: readonly string[], withExpiry: boolean): void {
  argv.push(limits.calendar.length);
  for (const w of limits.calendar) argv.push(w.id, w.maxCount, w.maxSpend, withExpiry ? w.expiresAt : 0);
  argv.push(limits.rolling.length);
  for (const r of limits.rolling) argv.push(r.spec, r.lengthMs, r.maxCount, r.maxSpend);
  argv.push(sold.length, ...sold);
}

const fieldsOf = new WeakMap<Limits, string[]>();
/** The counters a check reads, in the order hasRoom reads them; computed once per set of windows. */
function counterFields(limits: Limits): string[] {
  let f = fieldsOf.get(limits);
  if (f === undefined) {
    f = [];
    for (const w of limits.calendar) f.push(`${w.id}:n`, `${w.id}:hn`, `${w.id}:s`, `${w.id}:hs`);
    for (const r of limits.rolling) f.push(`r:${r.spec}:n`, `r:${r.spec}:s`);
    fieldsOf.set(limits, f);
  }
  return f;
}

/** Room for one more lead at `price` (as the script's check judges) in counters read as they are. */
function hasRoom(limits: Limits, v: (string | null)[], price: number): boolean {
  const n = (i: number) => Number(v[i] ?? 0);
  let i = 0;
  for (const w of limits.calendar) {
    if (w.maxCount >= 0 && n(i) + n(i + 1) + 1 > w.maxCount) return false;
    if (w.maxSpend >= 0 && n(i + 2) + n(i + 3) + price > w.maxSpend) return false;
    i += 4;
  }
  for (const r of limits.rolling) {
    if (r.maxCount >= 0 && n(i) + 1 > r.maxCount) return false;
    if (r.maxSpend >= 0 && n(i + 1) + price > r.maxSpend) return false;
    i += 2;
  }
  return true;
}

/** A buyer's caps in Redis: one lua/cap-<operation>-<n>.lua per method, every key on the buyer's hash tag. */
export class RedisCaps implements CapStore {
  constructor(
    private readonly client: RedisClient,
    private readonly scripts: Scripts,
  ) {}

  async checkBuyer(buyer: string, limits: Limits, sold: readonly string[], rate: RateRuntime | null, leastPrice: number, now: number): Promise<Verdict> {
    const price = Math.max(1, leastPrice);
    if (rate === null && sold.length === 0) {
      // Counters only ever overstate the truth (expired holds and rolling events not yet purged
      // still count), so room in a plain read is room: most checks need no script. Only a
      // refusal is confirmed by the script, which purges before it judges.
      const v = await this.client.hmget(keys.buyer(buyer)[0], ...counterFields(limits));
      if (hasRoom(limits, v, price)) return { ok: true };
    }
    const argv: Arg[] = [now, price];
    limitArgs(argv, limits, sold, false);
    argv.push(rate?.intervalMs ?? 0, rate?.toleranceMs ?? 0);
    return checkVerdict(await this.scripts.capCheck(...keys.buyer(buyer), ...argv));
  }

  async hold(buyer: string, holdId: string, priceMicros: number, limits: Limits, sold: readonly string[], now: number, expiresAt: number): Promise<Verdict> {
    const argv: Arg[] = [now, holdId, expiresAt, priceMicros];
    limitArgs(argv, limits, sold, true);
    return holdVerdict(await this.scripts.capHold(...keys.buyer(buyer), ...argv));
  }

  async extendHold(buyer: string, holdId: string, expiresAt: number, now: number, sold: readonly string[]): Promise<'held' | 'gone' | 'sold'> {
    return extendResult(await this.scripts.capExtend(...keys.buyer(buyer), now, holdId, expiresAt, ...sold));
  }

  async commitHold(buyer: string, holdId: string, now: number, purchases: readonly Purchase[]): Promise<boolean> {
    const argv: Arg[] = [now, holdId];
    for (const p of purchases) argv.push(p.digest, p.until);
    return yesNo('capCommit', await this.scripts.capCommit(...keys.buyer(buyer), ...argv));
  }

  async releaseHold(buyer: string, holdId: string, now: number): Promise<boolean> {
    const k = keys.buyer(buyer);
    return yesNo('capRelease', await this.scripts.capRelease(k[0], k[1], k[2], k[3], k[4], now, holdId));
  }

  async restoreSale(buyer: string, leadId: string, priceMicros: number, limits: Limits, now: number): Promise<boolean> {
    const k = keys.buyer(buyer);
    const argv: Arg[] = [now, leadId, priceMicros, limits.calendar.length, ...limits.calendar.map((w) => w.id), ...limits.rolling.map((r) => r.spec)];
    return yesNo('capRestore', await this.scripts.capRestore(k[0], k[1], k[2], k[3], k[4], ...argv));
  }

  async usage(buyer: string, windowId: string, now: number): Promise<WindowUsage> {
    const k = keys.buyer(buyer);
    return usageOf(await this.scripts.capUsage(k[0], k[1], k[2], k[3], k[4], now, windowId));
  }
}
