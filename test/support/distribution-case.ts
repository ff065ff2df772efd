import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ConfigInput } from '../../src/config/schema.js';
import { ROOT } from '../../src/core/paths.js';
import { SELLER_KEY, testConfig } from './test-config.js';

/**
 * The format of the distribution cases (test/distribution-cases/*.json, each file an array),
 * read by the end-to-end runner (test/e2e/distribution-cases.test.ts) and the in-process table
 * (test/unit/distribution-table.test.ts). Strict everywhere a key is the case's own: a misspelt
 * key is refused, never read as absent, so no expectation silently checks nothing. What a
 * buyer, campaign or seller entry says beyond its reply is Gavel config, and Gavel's own
 * parser (strict too) refuses what it does not know.
 */

/** How a buyer server answers: a bid, a pass, or an HTTP status to fail with, optionally after a delay; then its post. */
const replyShape = {
  bid: z.number().nonnegative().optional(),
  /** its bid for a shared sale */
  shared_bid: z.number().nonnegative().optional(),
  pass: z.boolean().optional(),
  status: z.int().min(100).max(599).optional(),
  delay_ms: z.int().nonnegative().optional(),
  /** the post reply (default accept) */
  post: z.enum(['accept', 'reject']).optional(),
};
export const Reply = z.strictObject(replyShape);
export type Reply = z.infer<typeof Reply>;
/** The keys of a buyer entry that are its reply, not its Gavel config. */
export const REPLY_KEYS: ReadonlySet<string> = new Set(['id', ...Object.keys(replyShape)]);

/** A buyer: its reply, and anything else is its Gavel config (filters, schedule, sellers, caps, price...). */
export const BuyerCase = z.object({ id: z.string().min(1), ...replyShape }).catchall(z.unknown());
export type BuyerCase = z.infer<typeof BuyerCase>;

/** The two sellers of the cases: pub1 (the default) and pub2. */
const SellerId = z.enum(['pub1', 'pub2']);

export const Expect = z
  .strictObject({
    /** the answer's status and reason: sold / rejected (a direct post or a post), bid / no_bid (a ping) */
    status: z.string().min(1).optional(),
    reason: z.string().min(1).optional(),
    /** the answer's price: what the seller is paid */
    price: z.number().optional(),
    /** the buyer that accepted the post; null: none did */
    winner: z.string().min(1).nullable().optional(),
    /** the buyers that accepted it (a shared sale) */
    winners: z.array(z.string().min(1)).optional(),
    /** how many bought it, as the answer says (a shared tier) */
    buyers: z.int().positive().optional(),
    pinged: z.array(z.string().min(1)).optional(),
    posted: z.array(z.string().min(1)).optional(),
    /** buyer -> the reason it was left out of this step's lead; {}: none was */
    left_out: z.record(z.string(), z.string().min(1)).optional(),
  })
  .refine((e) => Object.keys(e).length > 0, 'an expect that names nothing checks nothing');

export const Step = z.strictObject({
  /** default: a direct post (`leads`) */
  call: z.enum(['leads', 'ping', 'ping+post']).optional(),
  /** merged over a fresh full test lead (zip 90210, state CA, age 40, phone, email, name) */
  lead: z.record(z.string(), z.unknown()).optional(),
  /** fields taken out of it */
  omit: z.array(z.string().min(1)).optional(),
  sub_id: z.string().min(1).optional(),
  test: z.boolean().optional(),
  seller: SellerId.optional(),
  /** the wall clock before the step (an ISO time) */
  at: z.iso.datetime().optional(),
  /** or moved on by this much from the last step */
  advance_ms: z.int().positive().optional(),
  /** buyers' new replies from this step on (replacing their reply fields) */
  replies: z.record(z.string(), Reply).optional(),
  expect: Expect,
});
export type Step = z.infer<typeof Step>;

export const Case = z
  .strictObject({
    name: z.string().min(1),
    /** why the in-process table cannot run this case (it needs the store or real transports); absent: it runs it */
    e2e_only: z.string().min(1).optional(),
    /** merged over the test campaign (test/support/test-config.ts) */
    campaign: z.record(z.string(), z.unknown()).optional(),
    buyers: z.array(BuyerCase).min(1),
    /** merged over the two sellers' config */
    sellers: z.array(z.object({ id: SellerId }).catchall(z.unknown())).optional(),
    steps: z.array(Step).min(1),
  })
  .superRefine((c, ctx) => {
    // a misspelt buyer id would make an expectation about a buyer that is not there
    const ids = new Set(c.buyers.map((b) => b.id));
    const check = (id: string, path: (string | number)[]) => {
      if (!ids.has(id)) ctx.addIssue({ code: 'custom', path, message: `no buyer "${id}" in this case` });
    };
    c.steps.forEach((s, i) => {
      for (const id of Object.keys(s.replies ?? {})) check(id, ['steps', i, 'replies', id]);
      const e = s.expect;
      if (typeof e.winner === 'string') check(e.winner, ['steps', i, 'expect', 'winner']);
      for (const key of ['winners', 'pinged', 'posted'] as const) e[key]?.forEach((id) => check(id, ['steps', i, 'expect', key]));
      for (const id of Object.keys(e.left_out ?? {})) check(id, ['steps', i, 'expect', 'left_out', id]);
    });
  });
export type Case = z.infer<typeof Case>;

export const CASES_DIR = join(ROOT, 'test', 'distribution-cases');

/** Parse one file's cases; every problem at once, each with its path. */
export function parseCases(text: string, source: string): Case[] {
  const raw: unknown = JSON.parse(text);
  const r = z.array(Case).safeParse(raw);
  if (r.success) return r.data;
  const where = (path: readonly PropertyKey[]) => {
    if (typeof path[0] !== 'number') return '(root)';
    const name = (Array.isArray(raw) ? (raw[path[0]] as { name?: unknown } | null)?.name : undefined) ?? '';
    return `case ${path[0] + 1} "${String(name)}", ${path.slice(1).join('.') || '(case)'}`;
  };
  throw new Error(`${source}: ${r.error.issues.map((i) => `${where(i.path)}: ${i.message}`).join('\n  ')}`);
}

/** Every case file, parsed (a file that does not parse throws at once: the runner never guesses). */
export function loadCases(dir = CASES_DIR): { file: string; cases: Case[] }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, cases: parseCases(readFileSync(join(dir, file), 'utf8'), file) }));
}

export const SECOND_SELLER_KEY = 'seller-two-key-0123456789';

/**
 * A case's Gavel config: the test campaign with the case's over it, each buyer's config (its
 * entry less its reply) at `urlOf(id)`, and the sellers pub1 and pub2 with the case's over them.
 */
export function caseConfig(c: Case, urlOf: (buyer: string) => string): ConfigInput {
  const config = testConfig(
    c.buyers.map((b) => ({ id: b.id, url: urlOf(b.id) })),
    c.campaign ?? {},
  );
  config.buyers = config.buyers.map((b, i) => ({ ...b, ...Object.fromEntries(Object.entries(c.buyers[i]!).filter(([k]) => !REPLY_KEYS.has(k))) }));
  const sellerOver = new Map((c.sellers ?? []).map((s) => [s.id, s]));
  config.sellers = [
    { id: 'pub1', api_key: SELLER_KEY },
    { id: 'pub2', api_key: SECOND_SELLER_KEY },
  ].map((s) => ({ ...s, ...(sellerOver.get(s.id as 'pub1' | 'pub2') ?? {}) }));
  config.trace = { retention: `${traceRetentionDays(c)}d` };
  return config;
}

const DAY_MS = 86_400_000;

/**
 * Cases set the clock to fixed dates (a weekday, an hour); traces written at a past one would
 * already be past a 7-day retention by the real clock of Redis, and gone before they are read.
 * So the retention is the default 7 days past the oldest date a case sets, by the real clock
 * now, and no longer: a read looks in every bucket of the retention (an hour's each, at most;
 * src/store/redis-traces.ts), and ten years of them made each read of a trace take a second.
 */
function traceRetentionDays(c: Case, now = Date.now()): number {
  const oldest = Math.min(now, ...c.steps.flatMap((s) => (s.at === undefined ? [] : [Date.parse(s.at)])));
  return Math.ceil((now - oldest) / DAY_MS) + 7;
}

/** What a buyer server answers a ping with, as the case says: an HTTP status and a body. */
export function pingReplyOf(r: Reply): { status: number | undefined; body: unknown } {
  if (r.status !== undefined) return { status: r.status, body: { error: 'down' } };
  return { status: undefined, body: r.pass ? { pass: true } : { bid: r.bid ?? 0, ...(r.shared_bid !== undefined ? { shared_bid: r.shared_bid } : {}) } };
}
