import { createHash, randomBytes } from 'node:crypto';
import type { RuntimeSource } from '../config/live-runtime.js';

/** How long a console or portal login lasts without use, and at most. */
export const SESSION_IDLE_MS = 2 * 60 * 60 * 1000;
export const SESSION_MAX_MS = 12 * 60 * 60 * 1000;
/** Logins need a valid key, but a bound keeps a key holder from filling the process's memory. */
const MAX_SESSIONS = 10_000;

interface Held {
  /**
   * The key the party logged in with, in this process's memory only (never in the page, never
   * logged): each request resolves it against the live key ring again, so a key a swap removed
   * or a rotated key past its expiry ends its sessions at once, as it ends its Bearer calls.
   */
  key: string;
  createdAt: number;
  usedAt: number;
}

/**
 * Where sessions are kept: this process's memory (Sessions, below: answers at once) or the
 * shared store (shared-sessions.ts: answers with a promise), so a route handles both.
 */
export interface SessionBook {
  /** a new session for a key already checked: its id, the cookie's value */
  open(key: string): string | Promise<string>;
  /** the key behind a live session id, or undefined (unknown, idle too long, or too old) */
  keyOf(id: string | undefined): string | undefined | Promise<string | undefined>;
  close(id: string | undefined): void | Promise<void>;
}

/**
 * Browser sessions of any party (the operator's console, later the buyers' and sellers' portals),
 * in memory per process: a process restart logs everyone out, which a console can afford. Held by
 * the SHA-256 of their id, so a map lookup's timing says nothing about a live id.
 */
export class Sessions implements SessionBook {
  private readonly held = new Map<string, Held>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new session for a key already checked: its id, the cookie's value. */
  open(key: string): string {
    this.sweep();
    if (this.held.size >= MAX_SESSIONS) {
      // the oldest goes first: Map keeps insertion order
      const oldest = this.held.keys().next();
      if (oldest.done !== true) this.held.delete(oldest.value);
    }
    const id = randomBytes(32).toString('base64url');
    const t = this.now();
    this.held.set(digest(id), { key, createdAt: t, usedAt: t });
    return id;
  }

  /** The key behind a live session id, or undefined (unknown, idle too long, or too old). */
  keyOf(id: string | undefined): string | undefined {
    if (id === undefined || id.length === 0 || id.length > 64) return undefined;
    const d = digest(id);
    const s = this.held.get(d);
    if (s === undefined) return undefined;
    const t = this.now();
    if (t - s.usedAt > SESSION_IDLE_MS || t - s.createdAt > SESSION_MAX_MS) {
      this.held.delete(d);
      return undefined;
    }
    s.usedAt = t;
    return s.key;
  }

  close(id: string | undefined): void {
    if (id !== undefined) this.held.delete(digest(id));
  }

  get size(): number {
    return this.held.size;
  }

  private sweep(): void {
    const t = this.now();
    for (const [d, s] of this.held) if (t - s.usedAt > SESSION_IDLE_MS || t - s.createdAt > SESSION_MAX_MS) this.held.delete(d);
  }
}

/** A session id's SHA-256: what sessions are held by, never the id itself. */
export function digest(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('base64');
}

/** The process's sessions: one per process, shared by both listeners (a session names its key, and the key its party). */
export const sessions = new Sessions();

/**
 * The book of an exchange whose sessions are in the shared store, registered by its front
 * against the exchange's runtime source, which every route already holds: one process may run
 * several exchanges (the tests do), each with its own store.
 */
const books = new WeakMap<RuntimeSource, SessionBook>();

export function useSessionBook(live: RuntimeSource, book: SessionBook): void {
  books.set(live, book);
}

/** The sessions of the exchange `live` belongs to: its shared book, else this process's memory. */
export function sessionBookOf(live: RuntimeSource): SessionBook {
  return books.get(live) ?? sessions;
}
