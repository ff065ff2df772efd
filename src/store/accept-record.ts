/**
 * A buyer's post outcomes under one grade (or "*" for all of its leads), decayed: every
 * half-life, what was seen counts half as much, so a buyer that changes its ways is seen to.
 * lua/accept-rate-1.lua keeps the same record in Redis with the same arithmetic.
 */
export interface AcceptRecord {
  /** decayed accepts */
  accepts: number;
  /** decayed posts */
  posts: number;
  /** wall-clock ms the two were decayed to */
  at: number;
}

/** What a post (or a later return) does to the record. */
export type PostOutcome = 'accepted' | 'rejected' | 'returned';
export const OUTCOME_ARG: Record<PostOutcome, number> = { accepted: 1, rejected: 0, returned: -1 };

export function decayed(r: AcceptRecord, now: number, halfLifeMs: number): AcceptRecord {
  if (now <= r.at) return r;
  const f = Math.pow(2, -(now - r.at) / halfLifeMs);
  return { accepts: r.accepts * f, posts: r.posts * f, at: now };
}

/** A return takes back an accept; it is not a post of its own. */
export function recorded(r: AcceptRecord | undefined, outcome: PostOutcome, now: number, halfLifeMs: number): AcceptRecord {
  const d = r === undefined ? { accepts: 0, posts: 0, at: now } : decayed(r, now, halfLifeMs);
  if (outcome === 'accepted') return { accepts: d.accepts + 1, posts: d.posts + 1, at: d.at };
  if (outcome === 'rejected') return { accepts: d.accepts, posts: d.posts + 1, at: d.at };
  return { accepts: Math.max(0, d.accepts - 1), posts: d.posts, at: d.at };
}

/** The Redis hash field's text: "<accepts> <posts> <at>". */
export function parseRecord(text: string): AcceptRecord | undefined {
  const [a, n, t] = text.split(' ').map(Number);
  return a === undefined || n === undefined || t === undefined || [a, n, t].some((x) => !Number.isFinite(x)) ? undefined : { accepts: a, posts: n, at: t };
}
