import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { ADMIN_KEY, SELLER_KEY, startExchange, stopExchange, testConfig } from '../support/exchange.js';

let g: Gavel;
beforeAll(async () => {
  g = await startExchange(testConfig([]), 'memory');
});
afterAll(async () => {
  await stopExchange(g);
});

const op = (path: string) => `http://127.0.0.1:${g.operatorPort}${path}`;
const pub = (path: string) => `http://127.0.0.1:${g.port}${path}`;

async function login(key: string, url = op('/v1/session'), headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', ...headers }, body: JSON.stringify({ key }) });
}

function sessionOf(res: Response): string {
  const set = res.headers.get('set-cookie') ?? '';
  // each listener's own cookie: the console's on the operator listener, the portal's on the public one
  const m = /^(gavel_console|gavel_session)=([^;]+);/.exec(set);
  if (m === null) throw new Error(`no session cookie in ${set}`);
  return `${m[1]}=${m[2]}`;
}

describe('console: files, session cookie, CSRF', () => {
  it('serves the console with its content types, cache headers and a strict CSP', async () => {
    const redirect = await fetch(op('/console'), { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/console/');
    const page = await fetch(op('/console/'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    // no inline script: the one script is a file of its own
    expect(html).not.toMatch(/<script>[^<]/);
    const js = /src="([^"]+\.js)"/.exec(html)![1]!;
    const script = await fetch(op(`/console/${js}`));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(op('/console/nothing.js'))).status).toBe(404);
    expect((await fetch(op('/v1/console/market'), { method: 'POST' })).status).toBe(405);
    expect((await fetch(op('/v1/session'), { method: 'PUT' })).status).toBe(405);
    // who the session is: no session, no party
    expect((await fetch(op('/v1/session'))).status).toBe(401);
    // the console is the operator's: the public listener does not serve it
    expect((await fetch(pub('/console/'))).status).toBe(404);
    expect((await fetch(pub('/v1/console/market'))).status).toBe(404);
  });

  it('logs in with the operator key into an HttpOnly SameSite=Strict cookie the API accepts, and logs out', async () => {
    const bad = await login('not-a-key');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
    const noBody = await login('');
    expect(noBody.status).toBe(400);

    const res = await login(ADMIN_KEY);
    expect(res.status).toBe(201);
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/^gavel_console=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+$/);
    expect(set).not.toContain(ADMIN_KEY);
    const cookie = sessionOf(res);
    expect(await (await fetch(op('/v1/session'), { headers: { cookie } })).json()).toEqual({ party: 'operator', id: 'admin_key' });

    // the cookie alone reads the operator's APIs: an unknown lead is LEAD_NOT_FOUND, not UNAUTHORIZED
    const trace = await fetch(op('/v1/leads/no-such-lead'), { headers: { cookie } });
    expect(trace.status).toBe(404);
    const campaigns = await fetch(op('/v1/console/campaigns'), { headers: { cookie } });
    expect(campaigns.status).toBe(200);
    expect(await campaigns.json()).toMatchObject({ campaigns: [{ id: 'auto' }] });
    // a made-up session is refused
    expect((await fetch(op('/v1/console/campaigns'), { headers: { cookie: 'gavel_console=made-up' } })).status).toBe(401);

    const out = await fetch(op('/v1/session'), { method: 'DELETE', headers: { cookie, 'sec-fetch-site': 'same-origin' } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await fetch(op('/v1/console/campaigns'), { headers: { cookie } })).status).toBe(401);
  });

  it('streams the live market as Server-Sent Events to the operator key, and to no one else', async () => {
    expect((await fetch(op('/v1/console/market'))).status).toBe(401);
    expect((await fetch(op('/v1/console/market'), { headers: { authorization: `Bearer ${SELLER_KEY}` } })).status).toBe(403);
    const stop = new AbortController();
    const res = await fetch(op('/v1/console/market'), { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: stop.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    // the first sample comes at once, the next a second later
    while ((text.match(/event: sample\n/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    const data = JSON.parse(/event: sample\ndata: (.*)\n/.exec(text)![1]!) as Record<string, unknown>;
    expect(data).toMatchObject({ pings_per_s: 0, pings_total: 0, buyers: [] });
    stop.abort();
  });

  it('marks the cookie Secure when the request came over TLS', async () => {
    const res = await login(ADMIN_KEY, op('/v1/session'), { 'x-forwarded-proto': 'https' });
    expect(res.headers.get('set-cookie')).toContain('; Secure');
  });

  it('refuses a state change by cookie from another site, and a login from one', async () => {
    const cookie = sessionOf(await login(ADMIN_KEY));
    const approve = (headers: Record<string, string>) => fetch(op('/v1/returns/ret-1/approve'), { method: 'POST', headers: { cookie, ...headers } });
    const same = await approve({ 'sec-fetch-site': 'same-origin' });
    // past the CSRF check and authenticated: the route itself answers (no such return)
    expect([401, 403]).not.toContain(same.status);
    const crossSite: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'http://evil.example' }, {}];
    for (const headers of crossSite) {
      const r = await approve(headers);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
    // an old browser without Sec-Fetch-Site: its Origin must be this host
    expect((await approve({ origin: `http://127.0.0.1:${g.operatorPort}` })).status).not.toBe(403);
    expect((await login(ADMIN_KEY, op('/v1/session'), { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // a Bearer key is not a browser's ambient credential: no Origin needed
    const bearer = await fetch(op('/v1/returns/ret-1/approve'), { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(bearer.status).toBe(same.status);
  });

  it('keeps each key to its listener: a seller logs in on the public listener only, and its session reads no operator route', async () => {
    expect((await login(SELLER_KEY)).status).toBe(403);
    expect((await login(ADMIN_KEY, pub('/v1/session'))).status).toBe(403);
    const seller = await login(SELLER_KEY, pub('/v1/session'));
    expect(seller.status).toBe(201);
    const cookie = sessionOf(seller);
    // the portal's cookie is not the console's: the operator listener does not even read it
    expect((await fetch(op('/v1/console/campaigns'), { headers: { cookie } })).status).toBe(401);
    expect((await fetch(op('/v1/console/market'), { headers: { cookie } })).status).toBe(401);
  });

  it("keeps a console session and a portal session apart in one browser, which sends a host's cookies to every port", async () => {
    const consoleCookie = sessionOf(await login(ADMIN_KEY));
    const portalCookie = sessionOf(await login(SELLER_KEY, pub('/v1/session')));
    expect(consoleCookie.startsWith('gavel_console=')).toBe(true);
    expect(portalCookie.startsWith('gavel_session=')).toBe(true);
    const jar = `${consoleCookie}; ${portalCookie}`;
    expect(await (await fetch(op('/v1/session'), { headers: { cookie: jar } })).json()).toEqual({ party: 'operator', id: 'admin_key' });
    expect(await (await fetch(pub('/v1/session'), { headers: { cookie: jar } })).json()).toEqual({ party: 'seller', id: 'pub1' });
    // logging out of the portal leaves the console's session alone
    expect((await fetch(pub('/v1/session'), { method: 'DELETE', headers: { cookie: jar, 'sec-fetch-site': 'same-origin' } })).status).toBe(200);
    expect((await fetch(op('/v1/console/campaigns'), { headers: { cookie: jar } })).status).toBe(200);
  });
});
