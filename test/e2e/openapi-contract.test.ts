import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { openApiDocument } from '../../src/spec/openapi-document.js';
import { PLACEHOLDER, type SendHint, type SendHints } from '../../src/spec/spec-parts.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { documentSchemas } from '../support/document-schemas.js';
import { ADMIN_KEY, readTrace, SELLER_KEY, startExchange, stopExchange, testConfig } from '../support/exchange.js';

/**
 * The contract test: the running exchange driven FROM its published document. Every example an
 * operation documents is sent as the document says (its body, its parameters, its key and
 * listener from `x-send`), and the answer must have the status the document pairs it with (the
 * response whose examples carry the same name), a body valid against that response's schema, and,
 * for a documented error, its code. An example that needs a live value (a fresh ping's id, a sold
 * lead's id, a pending return's id) gets it in place of its placeholder, made by the same calls.
 */
const BUYER_KEY = 'buyer-acme-key-0123456789';
const doc = openApiDocument();
const schemas = documentSchemas(doc);

type Example = { value: unknown };
type Media = Record<string, { schema: object; examples?: Record<string, Example> }>;
interface Operation {
  servers?: { 'x-listener': 'public' | 'operator' }[];
  parameters?: { name: string; in: 'path' | 'query' | 'header'; required?: boolean; examples?: Record<string, Example> }[];
  requestBody?: { content: Media };
  responses: Record<string, { content?: Media }>;
  'x-send'?: SendHints;
}

/** a documented reply example of a webhook, by name */
function webhookReply(hook: string, name: string): unknown {
  const op = (doc.webhooks as Record<string, { post: Operation }>)[hook]!.post;
  return structuredClone(op.responses['200']!.content!['application/json']!.examples![name]!.value);
}

let g: Gavel;
let buyer: TestBuyer;
let passer: TestBuyer;
let refuser: TestBuyer;
let phone = 5559000000 + Math.floor(Math.random() * 900_000);
const fresh = () => String(phone++);

beforeAll(async () => {
  // the buyer answers with the webhooks' own reply examples: Gavel must take them as documented
  buyer = await startBuyer(() => ({ body: webhookReply('buyerPing', 'bid') }), () => ({ body: webhookReply('buyerPost', 'accept') }));
  // and two more: one that passes, one that outbids acme and then refuses the post, each with the documented example
  passer = await startBuyer(() => ({ body: webhookReply('buyerPing', 'pass') }));
  refuser = await startBuyer(() => ({ body: { ...(webhookReply('buyerPing', 'bid') as object), bid: 20 } }), () => ({ body: webhookReply('buyerPost', 'reject') }));
  const config = testConfig(
    [
      { id: 'acme', url: buyer.url, timeout_ms: 200 },
      { id: 'passer', url: passer.url, timeout_ms: 200 },
      { id: 'refuser', url: refuser.url, timeout_ms: 200 },
    ],
    { tmax_ms: 300 },
  );
  config.buyers = config.buyers.map((b) => (b.id === 'acme' ? { ...b, key: BUYER_KEY } : b));
  config.trace = { flush_ms: 10 };
  g = await startExchange(config);
});
afterAll(async () => {
  await stopExchange(g);
  for (const b of [buyer, passer, refuser]) await b.close();
});

const KEYS: Record<NonNullable<SendHint['key']>, string | undefined> = { none: undefined, seller: SELLER_KEY, buyer: BUYER_KEY, operator: ADMIN_KEY };

async function send(listener: 'public' | 'operator', method: string, path: string, key: string | undefined, body?: string, headers: Record<string, string> = {}) {
  const port = listener === 'operator' ? g.operatorPort : g.port;
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** the document's own example of an operation, by name */
function exampleBody(path: string, method: string, name: string): Record<string, unknown> {
  const op = (doc.paths as Record<string, Record<string, Operation>>)[path]![method]!;
  return structuredClone(op.requestBody!.content['application/json']!.examples![name]!.value) as Record<string, unknown>;
}

async function until<T>(what: string, get: () => Promise<T | null>): Promise<T> {
  for (let i = 0; i < 250; i++) {
    const v = await get();
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`waited in vain for ${what}`);
}

/** The live values examples need, made with the document's own examples (with a phone of their own, so dedup lets them through). */
const live = {
  async bid(): Promise<string> {
    const r = await send('public', 'POST', '/v1/ping', SELLER_KEY, JSON.stringify(exampleBody('/v1/ping', 'post', 'bid')));
    const a = JSON.parse(r.text) as { status: string; ping_id: string };
    if (a.status !== 'bid') throw new Error(`the ping example got no bid: ${r.text}`);
    return a.ping_id;
  },
  async posted(): Promise<string> {
    const pingId = await live.bid();
    const body = exampleBody('/v1/post', 'post', 'sold');
    body.ping_id = pingId;
    (body.lead as Record<string, unknown>).phone = fresh();
    const r = await send('public', 'POST', '/v1/post', SELLER_KEY, JSON.stringify(body));
    if (!r.text.includes('"sold"')) throw new Error(`the post example did not sell: ${r.text}`);
    return pingId;
  },
  /** a lead sold to acme, in the ledger and in the traces */
  async sale(): Promise<string> {
    const body = exampleBody('/v1/leads', 'post', 'direct_sold');
    (body.lead as Record<string, unknown>).phone = fresh();
    const r = await send('public', 'POST', '/v1/leads', SELLER_KEY, JSON.stringify(body));
    const a = JSON.parse(r.text) as { status: string; lead_id: string };
    if (a.status !== 'sold') throw new Error(`the direct post example did not sell: ${r.text}`);
    await until('the sale in the ledger', () => g.ledger.sale(a.lead_id, 'acme'));
    await until('the trace', async () => ((await readTrace(g, a.lead_id)).status === 200 ? true : null));
    return a.lead_id;
  },
  /** a sold lead its buyer returned already */
  async returned_sale(): Promise<string> {
    const leadId = await live.sale();
    const r = await send('public', 'POST', '/v1/returns', BUYER_KEY, JSON.stringify({ lead_id: leadId, reason: 'WRONG_NUMBER' }));
    if (r.status !== 201) throw new Error(`the return was not filed: ${r.text}`);
    return leadId;
  },
  /** a return the operator approved already */
  async decided_return(): Promise<string> {
    const id = await live.pending_return();
    const r = await send('operator', 'POST', `/v1/returns/${id}/approve`, ADMIN_KEY);
    if (r.status !== 200) throw new Error(`the return was not approved: ${r.text}`);
    return id;
  },
  /** an Idempotency-Key this seller has used, for the ping example */
  async key_used(): Promise<string> {
    const r = await send('public', 'POST', '/v1/ping', SELLER_KEY, JSON.stringify(exampleBody('/v1/ping', 'post', 'bid')), { 'idempotency-key': PLACEHOLDER.idempotencyKey });
    if (r.status !== 200) throw new Error(`the ping under a key failed: ${r.text}`);
    return PLACEHOLDER.idempotencyKey;
  },
  async pending_return(): Promise<string> {
    const leadId = await live.sale();
    const r = await send('public', 'POST', '/v1/returns', BUYER_KEY, JSON.stringify({ lead_id: leadId, reason: 'WRONG_NUMBER' }));
    const a = JSON.parse(r.text) as { id: string; status: string };
    if (a.status !== 'pending') throw new Error(`the return was not pending: ${r.text}`);
    return a.id;
  },
};
const PLACEHOLDER_OF: Record<NonNullable<SendHint['needs']>, string> = {
  bid: PLACEHOLDER.pingId,
  posted: PLACEHOLDER.pingId,
  sale: PLACEHOLDER.leadId,
  returned_sale: PLACEHOLDER.leadId,
  pending_return: PLACEHOLDER.returnId,
  decided_return: PLACEHOLDER.returnId,
  key_used: PLACEHOLDER.idempotencyKey,
};

/** every example name an operation sends: its request bodies', its parameters', and those x-send lists */
function sentNames(op: Operation): string[] {
  const names = new Set<string>(Object.keys(op.requestBody?.content['application/json']?.examples ?? {}));
  for (const p of op.parameters ?? []) for (const n of Object.keys(p.examples ?? {})) names.add(n);
  for (const n of Object.keys(op['x-send']?.examples ?? {})) names.add(n);
  return [...names];
}

/** the documented answer of an example: the status whose examples carry its name */
function documentedAnswer(op: Operation, name: string): { status: number; type: string; schema: object; value: unknown } | null {
  for (const [status, r] of Object.entries(op.responses)) {
    for (const [type, media] of Object.entries(r.content ?? {})) {
      const ex = media.examples?.[name];
      if (ex !== undefined) return { status: Number(status), type, schema: media.schema, value: ex.value };
    }
  }
  return null;
}

describe('the running exchange, driven from its OpenAPI document', () => {
  it('answers every documented example with the documented status, a body of the documented schema, and the documented code', async () => {
    const failures: string[] = [];
    const sent: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, op] of Object.entries(item)) {
        const hints = op['x-send'];
        for (const name of sentNames(op)) {
          const where = `${method.toUpperCase()} ${path} example ${name}`;
          const hint: SendHint = hints?.examples?.[name] ?? {};
          const answer = documentedAnswer(op, hint.answer ?? name);
          if (answer === null) {
            failures.push(`${where}: no documented answer carries this example`);
            continue;
          }
          const onlyOperator = op.servers?.length === 1 && op.servers[0]!['x-listener'] === 'operator';
          const listener = hint.listener ?? (onlyOperator ? 'operator' : 'public');
          const key = KEYS[hint.key ?? hints?.key ?? 'none'];
          let url = path;
          const query = new URLSearchParams();
          for (const p of op.parameters ?? []) {
            const v = p.examples?.[name]?.value;
            if (v === undefined) {
              if (p.required === true && p.in === 'path') url = url.replace(`{${p.name}}`, PLACEHOLDER_OF[hint.needs ?? 'sale']);
              continue;
            }
            if (p.in === 'path') url = url.replace(`{${p.name}}`, String(v));
            else if (p.in === 'query') query.set(p.name, String(v));
          }
          if (query.size > 0) url += `?${query}`;
          const example = op.requestBody?.content['application/json']?.examples?.[name]?.value;
          let body = example === undefined ? undefined : hint.raw === true ? String(example) : JSON.stringify(example);
          if (hint.needs !== undefined) {
            const value = await live[hint.needs]();
            url = url.replaceAll(PLACEHOLDER_OF[hint.needs], value);
            body = body?.replaceAll(PLACEHOLDER_OF[hint.needs], value);
          }
          const res = await send(listener, method.toUpperCase(), url, key, body, hint.headers);
          sent.push(where);
          if (res.status !== answer.status) {
            failures.push(`${where}: HTTP ${res.status}, documented ${answer.status}: ${res.text.slice(0, 300)}`);
            continue;
          }
          let got: unknown = res.text;
          if (answer.type === 'application/json') {
            if (!res.type.startsWith('application/json')) failures.push(`${where}: content-type ${res.type}, documented application/json`);
            got = JSON.parse(res.text);
          }
          const problems = schemas.checkSchema(answer.schema, got);
          if (problems !== null) failures.push(`${where}: the answer does not match its documented schema: ${problems.join('; ')}: ${res.text.slice(0, 300)}`);
          const code = (answer.value as { error?: { code?: string } } | null)?.error?.code;
          if (code !== undefined && (got as { error?: { code?: string } }).error?.code !== code) failures.push(`${where}: code ${(got as { error?: { code?: string } }).error?.code}, documented ${code}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // every group of the document was exercised, errors included
    for (const must of ['POST /v1/ping example bid', 'POST /v1/post example sold', 'POST /v1/leads example direct_sold', 'GET /v1/leads/{id} example buyer_view', 'POST /v1/returns example filed', 'POST /v1/returns/{id}/approve example approved', 'GET /v1/reports example report', 'GET /metrics example metrics', 'POST /v1/post example already_posted', 'POST /v1/ping example idempotency_key_reused', 'POST /v1/returns example already_returned', 'POST /v1/returns/{id}/deny example deny_decided']) {
      expect(sent).toContain(must);
    }
    expect(sent.length).toBeGreaterThanOrEqual(50);
  });

  it('sends buyers the ping and the post its webhooks document, and reads the replies they document', async () => {
    await live.posted();
    const webhooks = doc.webhooks as Record<string, { post: Operation }>;
    const ping = webhooks.buyerPing!.post;
    const post = webhooks.buyerPost!.post;
    expect(buyer.pings.length).toBeGreaterThan(0);
    expect(buyer.posts.length).toBeGreaterThan(0);
    for (const p of buyer.pings) expect(schemas.checkSchema(ping.requestBody!.content['application/json']!.schema, p.body)).toBeNull();
    for (const p of buyer.posts) expect(schemas.checkSchema(post.requestBody!.content['application/json']!.schema, p.body)).toBeNull();
    // what this test's buyer answered is a documented reply
    // the buyer answered with the documented bid and accept, and they sold the lead: the bid id came back in the post
    expect(buyer.posts.at(-1)!.body).toMatchObject({ bid_id: (webhookReply('buyerPing', 'bid') as { bid_id: string }).bid_id, price: (webhookReply('buyerPing', 'bid') as { bid: number }).bid });
    // the documented pass and reject are read as a pass and a reject, the buyer's reason kept
    const leadId = await live.posted();
    const trace = await until('the trace of the post', async () => {
      const t = await readTrace(g, leadId);
      return t.status === 200 && JSON.stringify(t.body).includes('"posts":[{') ? (t.body as { segments: { pings: { buyer: string; kind: string }[]; posts: { buyer: string; accepted: boolean; reason?: string }[] }[] }) : null;
    });
    const pings = trace.segments.flatMap((seg) => seg.pings);
    expect(pings.find((p) => p.buyer === 'passer')?.kind).toBe('NO_BID');
    const posts = trace.segments.flatMap((seg) => seg.posts);
    expect(posts.find((p) => p.buyer === 'refuser')).toMatchObject({ accepted: false, reason: (webhookReply('buyerPost', 'reject') as { reason: string }).reason });
    expect(posts.find((p) => p.buyer === 'acme')).toMatchObject({ accepted: true });
    // a ping never carries a personal field
    for (const p of buyer.pings) expect(Object.keys(p.body.lead as object).sort()).toEqual(['age', 'state', 'zip']);
  });
});
