import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';

export const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

/** One element of a request, its name resolved against its namespace declarations as a SOAP stack does. */
export interface SoapElement {
  ns: string;
  local: string;
  text: string;
  children: SoapElement[];
}

/** What the vendor's service does with one operation: a typed result (its fields), a Fault, or the server's own error page (no envelope). */
export type SoapAnswer = { result: Record<string, string> } | { fault: string; code?: 'Client' | 'Server' } | { iisError: true };

export interface SoapCall {
  action: string;
  contentType: string;
  text: string;
  /** the operation's element (the Body's child) */
  operation: SoapElement;
  /** the operation's descendants' texts by local path, `Contact.Phone` */
  fields: Record<string, string>;
}

export interface SoapVendor {
  url: string;
  calls: SoapCall[];
  /** requests refused before any operation ran (wrong content type, unknown action, not an envelope) */
  refused: string[];
  close(): Promise<void>;
}

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, trimValues: true, ignoreDeclaration: true });

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

/** The request as a SOAP stack sees it: every name resolved to its namespace URI, never to the prefix the sender chose. */
function resolve(name: string, node: Node, scope: Map<string, string>): SoapElement {
  const inScope = new Map(scope);
  for (const [k, v] of Object.entries(node[':@'] ?? {})) if (k === 'xmlns' || k.startsWith('xmlns:')) inScope.set(k === 'xmlns' ? '' : k.slice(6), v);
  const [prefix, local] = name.includes(':') ? name.split(':') as [string, string] : ['', name];
  const ns = inScope.get(prefix);
  if (ns === undefined) throw new Error(`undeclared prefix ${prefix}`);
  const el: SoapElement = { ns, local, text: '', children: [] };
  for (const child of node[name] as Node[]) {
    const key = Object.keys(child).find((k) => k !== ':@')!;
    if (key === '#text') el.text += String(child[key]);
    else el.children.push(resolve(key, child, inScope));
  }
  return el;
}

function flatten(el: SoapElement, ns: string, prefix: string, out: Record<string, string>): Record<string, string> {
  for (const c of el.children) {
    // the service's own schema: every element of the operation is qualified in its namespace
    if (c.ns !== ns) throw new Error(`${c.local} is in ${c.ns || 'no namespace'}, not ${ns}`);
    if (c.children.length === 0) out[prefix + c.local] = c.text;
    else flatten(c, ns, `${prefix}${c.local}.`, out);
  }
  return out;
}

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A lead vendor's SOAP service on a real port, as an ASMX (SOAP 1.1) or WCF (SOAP 1.2) endpoint
 * answers: one URL, the operation told by its action (SOAPAction in 1.1, the content type's
 * `action` in 1.2) and by the Body's element in the service's namespace; a wrong content type is
 * a 415, an unknown action a Fault. A typed reply is `<OpResponse><OpResult>…</OpResult></OpResponse>`
 * in the service's namespace under the service's own prefixes; a Fault comes with HTTP 500.
 */
export async function startSoapVendor(opts: {
  version: '1.1' | '1.2';
  ns: string;
  /** action → operation name, `http://tempuri.org/SubmitLead` → `SubmitLead` */
  actions: Record<string, string>;
  handle: (operation: string, call: SoapCall) => SoapAnswer;
}): Promise<SoapVendor> {
  const calls: SoapCall[] = [];
  const refused: string[] = [];
  const envNs = opts.version === '1.1' ? SOAP11 : SOAP12;
  const reply = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': opts.version === '1.1' ? 'text/xml; charset=utf-8' : 'application/soap+xml; charset=utf-8' });
    // WCF's prefixes (s:, a:) and ASMX's (soap:, a default namespace) differ from whatever the client chose
    res.end(`<?xml version="1.0" encoding="utf-8"?>${body}`);
  };
  const envelope = (inner: string) =>
    opts.version === '1.1'
      ? `<soap:Envelope xmlns:soap="${SOAP11}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>${inner}</soap:Body></soap:Envelope>`
      : `<s:Envelope xmlns:s="${SOAP12}"><s:Body>${inner}</s:Body></s:Envelope>`;
  const fault = (res: ServerResponse, code: 'Client' | 'Server', text: string) =>
    reply(
      res,
      500,
      opts.version === '1.1'
        ? envelope(`<soap:Fault><faultcode>soap:${code}</faultcode><faultstring>${esc(text)}</faultstring><detail /></soap:Fault>`)
        : envelope(`<s:Fault><s:Code><s:Value>s:${code === 'Client' ? 'Sender' : 'Receiver'}</s:Value></s:Code><s:Reason><s:Text xml:lang="en-US">${esc(text)}</s:Text></s:Reason></s:Fault>`),
    );
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const contentType = req.headers['content-type'] ?? '';
      let action: string | undefined;
      if (opts.version === '1.1') {
        if (!/^text\/xml;\s*charset=utf-8$/i.test(contentType)) return refused.push(`content-type ${contentType}`), void res.writeHead(415).end();
        action = /^"(.*)"$/.exec(String(req.headers.soapaction ?? ''))?.[1];
      } else {
        if (!/^application\/soap\+xml;/i.test(contentType)) return refused.push(`content-type ${contentType}`), void res.writeHead(415).end();
        action = /;\s*action="([^"]*)"/.exec(contentType)?.[1];
      }
      const op = action === undefined ? undefined : opts.actions[action];
      if (op === undefined) return refused.push(`action ${String(action)}`), fault(res, 'Client', `Server did not recognize the value of HTTP Header SOAPAction: ${action}.`);
      let operation: SoapElement;
      try {
        const nodes = (parser.parse(text) as Node[]).filter((n) => !('#text' in n));
        const env = resolve(Object.keys(nodes[0]!).find((k) => k !== ':@')!, nodes[0]!, new Map([['xml', 'http://www.w3.org/XML/1998/namespace'], ['', '']]));
        if (env.ns !== envNs || env.local !== 'Envelope') throw new Error(`not a SOAP ${opts.version} envelope`);
        const body = env.children.find((c) => c.ns === envNs && c.local === 'Body');
        operation = body!.children[0]!;
        if (operation.ns !== opts.ns || operation.local !== op) throw new Error(`the Body holds ${operation.ns} ${operation.local}, not ${op}`);
      } catch (e) {
        refused.push(String(e));
        return fault(res, 'Client', `Server was unable to read request. ${String(e)}`);
      }
      const call: SoapCall = { action: action!, contentType, text, operation, fields: flatten(operation, opts.ns, '', {}) };
      calls.push(call);
      const answer = opts.handle(op, call);
      if ('fault' in answer) return fault(res, answer.code ?? 'Server', answer.fault);
      if ('iisError' in answer) return void res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body><h1>Server Error in \'/\' Application.</h1></body></html>');
      const result = Object.entries(answer.result).map(([k, v]) => `<${k}>${esc(v)}</${k}>`).join('');
      reply(res, 200, envelope(`<${op}Response xmlns="${opts.ns}"><${op}Result>${result}</${op}Result></${op}Response>`));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/LeadService.asmx`,
    calls,
    refused,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
