import { z } from 'zod';
import { DURATION, durationMs } from '../core/duration.js';
import { toMicros } from '../core/money.js';
import { KEY_HASH, KEY_HASH_HINT } from './keys.js';

/**
 * The values every part of the config is written in. Each is parsed here, once: a duration
 * ("5m", "24h") arrives downstream as milliseconds, an amount of money as integer micros, a rate
 * ("200/s") as its GCRA terms. The YAML stays what operators write; no later code parses text.
 *
 * A default of a parsed value is given with `.prefault` (the text as written, parsed like any
 * other), never `.default` (zod hands that one over unparsed, so it would have to be written
 * again in the parsed unit).
 */

export const id = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1 to 64)');

/** An amount in the config's unit (1.5 is one and a half); parsed to micros. */
export const money = z.number().finite().nonnegative().max(1_000_000).transform(toMicros);

/** A duration as written (`30d`, `12h`, `15m`, `90s`, `500ms`); parsed to milliseconds. */
export const duration = z.string().regex(DURATION).transform(durationMs);

export const count = z.int().nonnegative();

export const httpUrl = z.url({ protocol: /^https?$/ });

/** a key in clear (still accepted; a warning at start) */
export const clearKey = z.string().min(16, 'at least 16 characters');

const keyHash = z.string().regex(KEY_HASH, KEY_HASH_HINT);

/**
 * One stored key: its hash alone, or the hash with what the admin API records when it issues one
 * (a name, so the audit log says who; when it was issued; when a rotated key stops working).
 */
export const KeyEntry = z.union([
  keyHash,
  z.strictObject({
    hash: keyHash,
    name: z.string().min(1).max(64).optional(),
    issued_at: z.iso.datetime().optional(),
    /** a rotated key keeps working until then, so its holder can switch over */
    expires_at: z.iso.datetime().optional(),
  }),
]);
export type KeyEntry = z.infer<typeof KeyEntry>;

/** keys as hashes, several so a key can be rotated with an overlap; the message never echoes the entry */
export const keyHashes = z.array(KeyEntry).min(1).max(16);

/** an entry's hash, whichever way it is written */
export const hashOfEntry = (e: KeyEntry): string => (typeof e === 'string' ? e : e.hash);

export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** GCRA parameters of an `N/s` or `N/m` rate: one every `intervalMs`, bursts up to N. */
export interface RateRuntime {
  readonly intervalMs: number;
  readonly toleranceMs: number;
}

/** `200/s` or `1000/m`: at most that many per second or per minute. */
const RATE = /^(\d+)\/(s|m)$/;

export function rateOf(text: string): { count: number; periodMs: number } {
  const m = RATE.exec(text);
  if (!m || Number(m[1]) === 0) throw new Error(`not a rate: ${text}`);
  return { count: Number(m[1]), periodMs: m[2] === 's' ? 1000 : 60_000 };
}

function gcra(text: string): RateRuntime {
  const { count, periodMs } = rateOf(text);
  return { intervalMs: periodMs / count, toleranceMs: periodMs - periodMs / count };
}

/** A rate as written (`200/s`); parsed to its GCRA terms. */
export const rate = z
  .string()
  .regex(RATE, 'a rate like 200/s or 1000/m')
  .refine((r) => !/^0+\//.test(r), 'must be more than 0')
  .transform(gcra);

/** Where Gavel posts what a party asked to be told (src/notify/postbacks.ts), signed. */
export const Notify = z.strictObject({
  url: httpUrl,
  /** the HMAC-SHA256 key of the x-gavel-signature header */
  secret: z.string().min(16, 'at least 16 characters'),
  /** tries before a notice is given up (logged whole); waits double from 1 s, at most 5 min */
  max_attempts: z.int().min(1).max(50).default(12),
});
export type Notify = z.infer<typeof Notify>;
