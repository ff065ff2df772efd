/**
 * Browser sessions in the shared store (src/front/shared-sessions.ts) on a real Redis: what one
 * book opens another on the same store and secret reads; a record under another secret, moved
 * to another id, or past its twelve hours does not open.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { SharedSessions } from '../../src/front/shared-sessions.js';
import { digest, SESSION_IDLE_MS, SESSION_MAX_MS } from '../../src/front/sessions.js';
import { RedisSessions } from '../../src/store/redis-sessions.js';
import { keys } from '../../src/store/keys.js';
import { cleanPrefix, REDIS_URL, testPrefix } from '../support/exchange.js';

const prefix = testPrefix();
const client = new Redis(REDIS_URL, { keyPrefix: prefix, maxRetriesPerRequest: 1 });
afterAll(async () => {
  client.disconnect();
  await cleanPrefix(prefix);
});

describe('sessions in the shared store', () => {
  it('one process opens, another reads; the key never sits in Redis in clear; logout ends it everywhere', async () => {
    const a = new SharedSessions(new RedisSessions(client), 'the-secret');
    const b = new SharedSessions(new RedisSessions(client), 'the-secret');
    const id = await a.open('operator-key-0123456789');
    expect(await b.keyOf(id)).toBe('operator-key-0123456789');
    const stored = await client.get(keys.session(digest(id)));
    expect(stored).not.toContain('operator-key');
    expect(Buffer.from(stored!, 'base64').toString('latin1')).not.toContain('operator-key');
    const ttl = await client.pttl(keys.session(digest(id)));
    expect(ttl).toBeGreaterThan(SESSION_IDLE_MS - 5000);
    await b.close(id);
    expect(await a.keyOf(id)).toBeUndefined();
    expect(await a.keyOf('no-such-session')).toBeUndefined();
    expect(a.keyOf('')).toBeUndefined();
    expect(a.keyOf('x'.repeat(65))).toBeUndefined();
  });

  it('a record does not open under another secret, nor moved to another id; one past its twelve hours ends', async () => {
    let now = Date.now();
    const a = new SharedSessions(new RedisSessions(client), 'the-secret', () => now);
    const id = await a.open('seller-key-0123456789');
    expect(await new SharedSessions(new RedisSessions(client), 'another-secret').keyOf(id)).toBeUndefined();

    const other = await a.open('buyer-key-0123456789');
    await client.set(keys.session(digest(other)), (await client.get(keys.session(digest(id))))!);
    expect(await a.keyOf(other), 'a record copied to another id').toBeUndefined();

    now += SESSION_MAX_MS + 1;
    expect(await a.keyOf(id)).toBeUndefined();
    expect(await client.exists(keys.session(digest(id)))).toBe(0);
  });
});
