import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Gavel } from '../../src/gavel.js';
import { asyncApiDocument } from '../../src/spec/asyncapi-document.js';
import { PLACEHOLDER } from '../../src/spec/spec-parts.js';
import { documentSchemas } from '../support/document-schemas.js';
import { socketBuyer, type Msg } from '../support/socket-buyer.js';
import { SELLER_KEY, startExchange, stopExchange, testConfig } from '../support/exchange.js';

/**
 * The sockets driven from their AsyncAPI document: a socket buyer answers with the document's
 * own bid and accept examples, a seller sends the document's own ping, post and direct post
 * examples on /v1/ws, and every frame either side gets must validate against the payload of a
 * message the document lists for that operation's reply (or for what Gavel sends).
 */
const BUYER_KEY = 'buyer-sock-key-0123456789';
const doc = asyncApiDocument();
const schemas = documentSchemas(doc);
const seller = doc.channels.sellerSocket.messages;
const buyerMsgs = doc.channels.buyerSocket.messages;
const example = <T>(m: { examples: { payload: unknown }[] }) => structuredClone(m.examples[0]!.payload) as T;

/** the names of the listed messages whose payload the frame validates against */
function matching(frame: unknown, messages: Record<string, { payload: unknown }>, names: string[]): string[] {
  return names.filter((n) => schemas.checkSchema(messages[n]!.payload as object, frame) === null);
}

let g: Gavel;
let buyer: { ws: WebSocket; seen: Msg[] };
beforeAll(async () => {
  const config = testConfig([], { tmax_ms: 300 });
  config.buyers.push({ id: 'sock', campaigns: ['auto'], transport: 'websocket', key: BUYER_KEY, timeout_ms: 150, post_timeout_ms: 1000 });
  g = await startExchange(config);
  // the buyer answers with the document's examples, under the id of Gavel's call
  buyer = await socketBuyer(g.port, BUYER_KEY, (m) => (m.type === 'ping' ? { ...example<Msg>(buyerMsgs.bid), id: m.id } : m.type === 'post' ? { ...example<Msg>(buyerMsgs.accept), id: m.id } : null));
});
afterAll(async () => {
  buyer.ws.close();
  await stopExchange(g);
});

describe('the sockets, driven from their AsyncAPI document', () => {
  it("answers the seller's documented calls with documented answers, and sends the buyer documented frames", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${g.port}/v1/ws`, { headers: { authorization: `Bearer ${SELLER_KEY}` } });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const answers = new Map<unknown, (m: Msg) => void>();
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Msg;
      answers.get(m.id)?.(m);
    });
    const callOf = (frame: Msg) =>
      new Promise<Msg>((resolve) => {
        answers.set(frame.id, resolve);
        ws.send(JSON.stringify(frame));
      });
    const replies = ['pingAnswer', 'postAnswer', 'leadAnswer', 'error'];

    const ping = await callOf(example<Msg>(seller.ping));
    expect(ping).toMatchObject({ type: 'ping', status: 'bid' });
    expect(matching(ping, seller, replies)).toEqual(['pingAnswer']);

    const postFrame = example<Msg>(seller.post);
    postFrame.ping_id = ping.ping_id;
    expect(postFrame.ping_id).not.toBe(PLACEHOLDER.pingId);
    const post = await callOf(postFrame);
    expect(post).toMatchObject({ type: 'post', status: 'sold' });
    expect(matching(post, seller, replies)).toEqual(['postAnswer']);

    const leadFrame = example<Msg>(seller.lead);
    leadFrame.lead.phone = '5550102999';
    const lead = await callOf(leadFrame);
    expect(lead).toMatchObject({ type: 'lead', status: 'sold' });
    expect(matching(lead, seller, replies)).toEqual(['leadAnswer']);

    const bad = await callOf({ ...example<Msg>(seller.ping), id: 'p-bad', lead: { zip: 'nope', state: 'CA' } });
    expect(bad).toMatchObject({ type: 'error', status: 400, error: { code: 'INVALID_LEAD' } });
    expect(matching(bad, seller, replies)).toEqual(['error']);
    ws.close();

    // what Gavel sent the buyer: documented pings and posts
    expect(buyer.seen.filter((m) => m.type === 'ping').length).toBeGreaterThanOrEqual(2);
    expect(buyer.seen.filter((m) => m.type === 'post').length).toBe(2);
    for (const m of buyer.seen) expect(matching(m, buyerMsgs, ['ping', 'post'])).toEqual([m.type]);
  });
});
