import { describe, expect, it } from 'vitest';
import { cookieValue, crossSite, requestKey, type Credentials } from '../../src/front/request-caller.js';
import { SESSION_IDLE_MS, SESSION_MAX_MS, Sessions } from '../../src/front/sessions.js';

const creds = (over: Partial<Credentials>): Credentials => ({ bearer: undefined, session: undefined, method: 'GET', origin: '', fetchSite: '', host: 'gavel:9090', secure: false, ...over });

describe('browser sessions', () => {
  it('hands out distinct random ids that name the key, until logout', () => {
    const s = new Sessions();
    const a = s.open('key-a');
    const b = s.open('key-a');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.keyOf(a)).toBe('key-a');
    s.close(a);
    expect(s.keyOf(a)).toBeUndefined();
    expect(s.keyOf(b)).toBe('key-a');
    expect(s.keyOf('made-up')).toBeUndefined();
    expect(s.keyOf(undefined)).toBeUndefined();
  });

  it('ends a session left unused too long, and any session past its maximum age', () => {
    let t = 0;
    const s = new Sessions(() => t);
    const idle = s.open('k');
    t = SESSION_IDLE_MS + 1;
    expect(s.keyOf(idle)).toBeUndefined();
    const opened = t;
    const busy = s.open('k');
    // used every hour, it still ends at the maximum age
    while (t + 3_600_000 <= opened + SESSION_MAX_MS) {
      t += 3_600_000;
      expect(s.keyOf(busy)).toBe('k');
    }
    t = opened + SESSION_MAX_MS + 1;
    expect(s.keyOf(busy)).toBeUndefined();
  });
});

describe('a request by cookie', () => {
  it('reads one cookie out of a Cookie header', () => {
    expect(cookieValue('a=1; gavel_session=abc; b=2', 'gavel_session')).toBe('abc');
    expect(cookieValue('gavel_sessionx=abc', 'gavel_session')).toBeUndefined();
    expect(cookieValue('', 'gavel_session')).toBeUndefined();
  });

  it('lets reads through from anywhere, and state changes from the same origin only', () => {
    expect(crossSite(creds({ method: 'GET', fetchSite: 'cross-site' }))).toBe(false);
    expect(crossSite(creds({ method: 'POST', fetchSite: 'same-origin' }))).toBe(false);
    expect(crossSite(creds({ method: 'POST', fetchSite: 'same-site' }))).toBe(true);
    expect(crossSite(creds({ method: 'DELETE', fetchSite: 'cross-site' }))).toBe(true);
    expect(crossSite(creds({ method: 'POST', origin: 'http://gavel:9090' }))).toBe(false);
    expect(crossSite(creds({ method: 'POST', origin: 'https://gavel:9090' }))).toBe(false);
    expect(crossSite(creds({ method: 'POST', origin: 'http://evil' }))).toBe(true);
    expect(crossSite(creds({ method: 'POST' }))).toBe(true);
  });

  it('prefers the Bearer key, resolves the cookie to its key, refuses an unknown session and a cross-site change', () => {
    const s = new Sessions();
    const id = s.open('the-key');
    expect(requestKey(creds({ bearer: 'bearer-key', session: id }), s)).toEqual({ key: 'bearer-key' });
    expect(requestKey(creds({ session: id }), s)).toEqual({ key: 'the-key' });
    expect(requestKey(creds({}), s)).toEqual({ key: undefined });
    expect(requestKey(creds({ session: 'nope' }), s)).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(requestKey(creds({ session: id, method: 'POST', fetchSite: 'cross-site' }), s)).toMatchObject({ code: 'FORBIDDEN' });
  });
});
