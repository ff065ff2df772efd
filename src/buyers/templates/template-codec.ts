import type { BuyerCodec, CallFacts, WireRequest } from '../buyer-codec.js';
import { NATIVE_CODEC } from '../buyer-codec.js';
import type { BuyerFormat, Reader, RequestTemplate, Source } from '../../config/template-schema.js';
import { escapeXml, soapFrame, soapWire } from './soap-envelope.js';
import { soapFault } from './soap-fault.js';
import { compileXPath, parseXml, xpathValue, type XmlElement } from './xml-read.js';

export type Value = string | number | boolean | null | undefined;

function at(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function truthy(v: Value): boolean {
  return v === true || v === 1 || (typeof v === 'string' && /^(true|yes|y|1)$/i.test(v));
}

/** A call's request and what it knows besides the native message. */
interface Call {
  native: unknown;
  facts: CallFacts | undefined;
  /** a post's: when its request is made, wall-clock epoch ms; null for a ping */
  sentAt: number | null;
}

const iso = (ms: number | null | undefined): Value => (ms === null || ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * The sources that are not paths of the native message: the lead's seller, sub id and id, and
 * its times as ISO-8601 (`_at`) and epoch milliseconds (`_ms`). `post_sent_*` exists in a post only.
 */
const FACTS: Readonly<Record<string, (c: Call) => Value>> = {
  seller: (c) => c.facts?.seller.id,
  sub_id: (c) => c.facts?.subId,
  lead_id: (c) => c.facts?.id,
  ping_received_at: (c) => iso(c.facts?.pingReceivedAt),
  ping_received_ms: (c) => (c.facts === undefined ? undefined : Math.round(c.facts.pingReceivedAt)),
  post_sent_at: (c) => iso(c.sentAt),
  post_sent_ms: (c) => c.sentAt ?? undefined,
};

function resolve(source: Source, call: Call): Value {
  const s: Exclude<Source, string> = typeof source === 'string' ? { from: source, transform: [] } : source;
  const fact = s.from === undefined ? undefined : FACTS[s.from];
  let v: Value = s.value !== undefined ? s.value : fact !== undefined ? fact(call) : (at(call.native, s.from!) as Value);
  if (v === undefined || v === null) v = s.default;
  if (v === undefined || v === null) return undefined;
  for (const t of s.transform) {
    switch (t) {
      case 'upper':
        v = String(v).toUpperCase();
        break;
      case 'lower':
        v = String(v).toLowerCase();
        break;
      case 'trim':
        v = String(v).trim();
        break;
      case 'digits':
        v = String(v).replace(/\D/g, '');
        break;
      case 'yes_no':
        v = truthy(v) ? 'Yes' : 'No';
        break;
      case 'one_zero':
        v = truthy(v) ? 1 : 0;
        break;
      case 'true_false':
        v = truthy(v) ? 'true' : 'false';
        break;
      case 'number':
        v = Number(v);
        break;
      case 'string':
        v = String(v);
        break;
    }
  }
  if (s.map !== undefined) v = s.map[String(v)] ?? v;
  return v;
}

/**
 * One source's value read from a native message already parsed, with the lead's facts: what a
 * request template's field gets, and a batch file's column (src/delivery/batch-file.ts).
 */
export function sourceValue(source: Source, native: unknown, facts?: CallFacts, sentAt: number | null = null): Value {
  return resolve(source, { native, facts, sentAt });
}

function nest(values: [string, Value][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of values) {
    const keys = name.split('.');
    let o = out;
    for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[keys.at(-1)!] = v;
  }
  return out;
}

/** `attrs`: the element's own, already written (` xmlns="…"`); names were checked at config time */
function toXml(name: string, v: unknown, attrs = ''): string {
  if (v !== null && typeof v === 'object') return `<${name}${attrs}>${Object.entries(v).map(([k, x]) => toXml(k, x)).join('')}</${name}>`;
  return `<${name}${attrs}>${escapeXml(String(v))}</${name}>`;
}

/** What a template's requests share, made once: a SOAP template's envelope and headers. */
interface Shape {
  frame: { open: string; close: string } | null;
  contentType: string | null;
  headers: Readonly<Record<string, string>> | null;
  rootAttrs: string;
}
const shapes = new WeakMap<RequestTemplate, Shape>();
function shapeOf(t: RequestTemplate): Shape {
  let s = shapes.get(t);
  if (s === undefined) {
    const wire = t.soap === undefined ? null : soapWire(t.soap);
    s = {
      frame: t.soap === undefined ? null : soapFrame(t.soap),
      contentType: wire?.contentType ?? null,
      headers: wire?.headers ?? null,
      rootAttrs: t.soap?.namespace === undefined ? '' : ` xmlns="${escapeXml(t.soap.namespace)}"`,
    };
    shapes.set(t, s);
  }
  return s;
}

/**
 * The buyer's request, built from Gavel's native message and the lead's facts (`sentAt`: a
 * post's, when it is made); a field whose source is missing is left out. A SOAP request's
 * headers are the same object on every call of its template (the transport keys its cache on it).
 */
export function renderRequest(t: RequestTemplate, nativeJson: string, facts?: CallFacts, sentAt: number | null = null): WireRequest {
  const call: Call = { native: JSON.parse(nativeJson), facts, sentAt };
  const values = Object.entries(t.fields)
    .map(([name, source]) => [name, resolve(source, call)] as [string, Value])
    .filter(([, v]) => v !== undefined);
  const form = () => new URLSearchParams(values.map(([k, v]) => [k, String(v)])).toString();
  switch (t.body) {
    case 'json':
      return { method: t.method, query: '', contentType: 'application/json', body: JSON.stringify(nest(values)) };
    case 'form':
      return { method: t.method, query: '', contentType: 'application/x-www-form-urlencoded', body: form() };
    case 'xml':
      return { method: t.method, query: '', contentType: 'application/xml', body: `<?xml version="1.0" encoding="UTF-8"?>${toXml(t.root, nest(values))}` };
    case 'soap': {
      const shape = shapeOf(t);
      return { method: 'POST', query: '', contentType: shape.contentType, headers: shape.headers, body: shape.frame!.open + toXml(t.root, nest(values), shape.rootAttrs) + shape.frame!.close };
    }
    case 'none':
      return { method: t.method, query: form(), contentType: null, body: null };
  }
}

/** A reply as each reader needs it, parsed at most once per format. */
class ReplyText {
  private json: unknown;
  private xml: XmlElement | undefined;
  constructor(readonly text: string) {}
  asJson(): unknown {
    return (this.json ??= JSON.parse(this.text));
  }
  asXml(): XmlElement {
    return (this.xml ??= parseXml(this.text));
  }
}

function compileReader(r: Reader, namespaces: Readonly<Record<string, string>>): (reply: ReplyText) => Value {
  const xpath = r.xpath === undefined ? null : compileXPath(r.xpath, namespaces);
  const read: (reply: ReplyText) => Value =
    r.json !== undefined
      ? (reply) => at(reply.asJson(), r.json!.replace(/\[(\d+)\]/g, '.$1').replace(/^\$\.?/, '')) as Value
      : xpath !== null
        ? (reply) => xpathValue(reply.asXml(), xpath)
        : (() => {
            const re = new RegExp(r.regex!);
            return (reply: ReplyText) => {
              const m = re.exec(reply.text);
              return m === null ? undefined : (m[1] ?? m[0]);
            };
          })();
  if (r.equals === undefined) return read;
  const want = String(r.equals).toLowerCase();
  return (reply) => {
    const v = read(reply);
    return v !== undefined && v !== null && String(v).toLowerCase() === want;
  };
}

/** A pass's or a reject's reason is at most this long (buyer-replies.ts): a longer one is cut, not a BAD_REPLY. */
const MAX_REASON = 256;

/** A SOAP reply's Fault, read from its text: its reason, or undefined when the reply is not a Fault (or not XML). */
function faultOf(text: string): string | undefined {
  try {
    return soapFault(parseXml(text));
  } catch {
    return undefined;
  }
}

/**
 * A buyer's own format as a codec: its templates for requests, its rules for replies.
 *
 * A SOAP call's reply is first read for a Fault (in a 2xx, or in the 500 that SOAP 1.1 and the
 * 400/500 that 1.2 send with one): a post's Fault is a reject with the fault string as its
 * reason, a ping's a pass (NO_BID) with it. A Fault is the service answering in its own protocol
 * that it will not take this lead: ASMX and WCF turn every exception a service throws, "zip not
 * covered" as much as "duplicate", into a Fault with HTTP 500. The service is up and reading
 * requests, so a Fault must not count against it in the circuit breaker as an HTTP_ERROR would;
 * a service that is down sends no envelope (a refused connection, a timeout, a proxy's 502), and
 * that still counts.
 */
export function templateCodec(f: BuyerFormat): BuyerCodec {
  const pingNs = f.ping_reply?.namespaces ?? {};
  const bid = f.ping_reply ? compileReader(f.ping_reply.bid, pingNs) : null;
  const bidId = f.ping_reply?.bid_id ? compileReader(f.ping_reply.bid_id, pingNs) : null;
  const passReason = f.ping_reply?.reason ? compileReader(f.ping_reply.reason, pingNs) : null;
  const postNs = f.post_reply.namespaces;
  const accepted = compileReader(f.post_reply.accepted, postNs);
  const reason = f.post_reply.reason ? compileReader(f.post_reply.reason, postNs) : null;
  const redirect = f.post_reply.redirect_url ? compileReader(f.post_reply.redirect_url, postNs) : null;
  const text = (v: Value) => (v === undefined || v === null || v === '' ? undefined : String(v));
  const why = (v: Value) => text(v)?.slice(0, MAX_REASON);
  const soapPing = f.ping?.body === 'soap';
  const soapPost = f.post.body === 'soap';
  return {
    pingRequest: f.ping ? (native, facts) => renderRequest(f.ping!, native, facts) : NATIVE_CODEC.pingRequest,
    readPing:
      bid === null
        ? NATIVE_CODEC.readPing
        : (raw) => {
            const reply = new ReplyText(raw);
            if (soapPing) {
              const fault = soapFault(reply.asXml());
              if (fault !== undefined) return { pass: true, reason: fault };
            }
            const amount = Number(bid(reply));
            // no price, or none above zero: the buyer passed
            if (!Number.isFinite(amount) || amount <= 0) return { pass: true, reason: passReason ? why(passReason(reply)) : undefined };
            return { bid: amount, bid_id: bidId ? text(bidId(reply)) : undefined };
          },
    // the post's request is made as it is sent: its time is now
    postRequest: (native, facts) => renderRequest(f.post, native, facts, Date.now()),
    readPost: (raw) => {
      const reply = new ReplyText(raw);
      if (soapPost) {
        const fault = soapFault(reply.asXml());
        if (fault !== undefined) return { accepted: false, reason: fault };
      }
      const ok = accepted(reply);
      return {
        accepted: ok === true || (typeof ok !== 'boolean' && truthy(ok)),
        reason: reason ? why(reason(reply)) : undefined,
        redirect_url: redirect ? text(redirect(reply)) : undefined,
      };
    },
    ...(soapPing && bid !== null ? { pingFault: faultOf } : {}),
    ...(soapPost ? { postFault: faultOf } : {}),
  };
}
