import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderRequest, templateCodec } from '../../src/buyers/templates/template-codec.js';
import { escapeXml } from '../../src/buyers/templates/soap-envelope.js';
import { soapFault } from '../../src/buyers/templates/soap-fault.js';
import { attributeOf, parseXml, type XmlElement } from '../../src/buyers/templates/xml-read.js';
import { BuyerFormat, RequestTemplate } from '../../src/config/template-schema.js';

const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const S12 = 'http://www.w3.org/2003/05/soap-envelope';
const NATIVE_POST = JSON.stringify({ ping_id: 'p-1', bid_id: 'b-1', price: 12.5, test: false, lead: { name: `O'Brien & <Sons> "Ltd"\u0001`, phone: '5550104477', zip: '90210' } });

const submitLead = (version: '1.1' | '1.2') =>
  RequestTemplate.parse({
    body: 'soap',
    soap: { version, action: 'urn:vendor/SubmitLead', namespaces: { v: 'urn:vendor' } },
    root: 'v:SubmitLead',
    fields: { 'v:Token': 'bid_id', 'v:Contact.v:Name': 'lead.name', 'v:Contact.v:Phone': 'lead.phone', 'v:Price': 'price' },
  });

/** the element's children by local name, asserting each is in `ns` */
function kid(el: XmlElement, local: string, ns: string): XmlElement {
  const c = el.children.find((x) => x.local === local);
  expect(c, local).toBeDefined();
  expect(c!.ns, local).toBe(ns);
  return c!;
}

describe('a SOAP request built from a template', () => {
  it('1.1: text/xml and a quoted SOAPAction; the fields nested, namespaced and escaped inside the Body', () => {
    const t = submitLead('1.1');
    const wire = renderRequest(t, NATIVE_POST);
    expect(wire).toMatchObject({ method: 'POST', contentType: 'text/xml; charset=utf-8', headers: { SOAPAction: '"urn:vendor/SubmitLead"' } });
    // read back by a namespace-aware reader: the envelope and the vendor's elements are where their URIs say
    const env = parseXml(wire.body!);
    expect([env.local, env.ns]).toEqual(['Envelope', S11]);
    const op = kid(kid(env, 'Body', S11), 'SubmitLead', 'urn:vendor');
    expect(kid(op, 'Token', 'urn:vendor').text).toBe('b-1');
    expect(kid(op, 'Price', 'urn:vendor').text).toBe('12.5');
    const contact = kid(op, 'Contact', 'urn:vendor');
    // <, &, quotes come back as they were; a control character XML cannot carry is dropped
    expect(kid(contact, 'Name', 'urn:vendor').text).toBe(`O'Brien & <Sons> "Ltd"`);
    expect(wire.body).toContain('O&apos;Brien &amp; &lt;Sons&gt; &quot;Ltd&quot;</v:Name>');
    // the same headers object on every call: the transport keys its cache on it
    expect(renderRequest(t, NATIVE_POST).headers).toBe(wire.headers);
  });

  it('escaping keeps every character XML can carry and drops those it cannot (controls, lone surrogates)', () => {
    expect(escapeXml(`a<b>&"'\t\n\u0000\u0008\u001f\ud800x\udc00 é😀\ufffe`)).toBe('a&lt;b&gt;&amp;&quot;&apos;\t\nx é😀');
  });

  it('1.2: application/soap+xml with its action as a parameter, and no SOAPAction header', () => {
    const t = submitLead('1.2');
    const wire = renderRequest(t, NATIVE_POST);
    expect(wire.contentType).toBe('application/soap+xml; charset=utf-8; action="urn:vendor/SubmitLead"');
    expect(wire.headers ?? null).toBeNull();
    expect(parseXml(wire.body!).ns).toBe(S12);
    expect(renderRequest(t, NATIVE_POST).headers ?? null).toBeNull();
  });

  it('an ASMX-style default namespace: the root declares it and the unprefixed fields are in it', () => {
    const t = RequestTemplate.parse({ body: 'soap', soap: { action: 'http://tempuri.org/SubmitLead', namespace: 'http://tempuri.org/' }, root: 'SubmitLead', fields: { Phone: 'lead.phone', 'Address.Zip': 'lead.zip' } });
    const op = kid(kid(parseXml(renderRequest(t, NATIVE_POST).body!), 'Body', S11), 'SubmitLead', 'http://tempuri.org/');
    expect(kid(kid(op, 'Address', 'http://tempuri.org/'), 'Zip', 'http://tempuri.org/').text).toBe('90210');
  });

  it('config problems are told at their paths', () => {
    const issues = (t: unknown) => {
      const r = RequestTemplate.safeParse(t);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ body: 'soap', fields: {} })).toEqual(['soap: body: soap needs its soap block (version, action)']);
    expect(issues({ body: 'xml', soap: { action: 'a' }, fields: {} })).toEqual(['soap: a soap block goes with body: soap']);
    expect(issues({ body: 'soap', soap: { action: 'a"b' }, fields: {} })).toEqual(['soap.action: no quotes, backslashes or control characters']);
    expect(issues({ body: 'soap', soap: { action: 'a' }, root: 'v:Op', fields: { 'v:A.w:B': 'lead.zip', 'bad name': 'lead.zip' } })).toEqual([
      'root: prefix v is not in soap.namespaces',
      'fields.v:A.w:B: prefix v is not in soap.namespaces',
      'fields.v:A.w:B: prefix w is not in soap.namespaces',
      'fields.bad name: "bad name" is not an XML name',
    ]);
    expect(issues({ body: 'soap', soap: { version: '1.2', action: 'a', namespaces: { soap: S11 } }, fields: {} })).toEqual([`soap.namespaces.soap: the envelope's own prefix: ${S12} in SOAP 1.2`]);
  });
});

const fault11 = (code: string, text: string) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${S11}"><soap:Body><soap:Fault><faultcode>${code}</faultcode><faultstring>${text}</faultstring><detail/></soap:Fault></soap:Body></soap:Envelope>`;
const fault12 = `<s:Envelope xmlns:s="${S12}"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason><s:Text xml:lang="de">Doppelt</s:Text><s:Text xml:lang="en-US">Duplicate lead &amp; already sold</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`;

describe('a SOAP Fault', () => {
  it('is read with its reason: 1.1 faultstring, 1.2 the English Reason/Text, else the code', () => {
    expect(soapFault(parseXml(fault11('soap:Server', 'Zip &lt;90210&gt; not covered')))).toBe('Zip <90210> not covered');
    expect(soapFault(parseXml(fault12))).toBe('Duplicate lead & already sold');
    expect(soapFault(parseXml(fault11('soap:Client', '')))).toBe('soap:Client');
    expect(soapFault(parseXml(fault11('soap:Server', 'x'.repeat(1000))))).toHaveLength(256);
    // a Fault outside a SOAP envelope, or an envelope without one, is not a Fault
    expect(soapFault(parseXml(`<Envelope><Body><Fault><faultstring>no</faultstring></Fault></Body></Envelope>`))).toBeUndefined();
    expect(soapFault(parseXml(`<soap:Envelope xmlns:soap="${S11}"><soap:Body><Result>1</Result></soap:Body></soap:Envelope>`))).toBeUndefined();
  });

  const codec = templateCodec(
    BuyerFormat.parse({
      ping: { body: 'soap', soap: { action: 'urn:vendor/Price', namespaces: { v: 'urn:vendor' } }, root: 'v:Price', fields: { 'v:Zip': 'lead.zip' } },
      ping_reply: { bid: { xpath: '/s:Envelope/s:Body/v:PriceResponse/v:Amount' }, namespaces: { s: S11, v: 'urn:vendor' } },
      post: { body: 'soap', soap: { version: '1.2', action: 'urn:vendor/SubmitLead', namespaces: { v: 'urn:vendor' } }, root: 'v:SubmitLead', fields: { 'v:Zip': 'lead.zip' } },
      post_reply: { accepted: { xpath: '/s:Envelope/s:Body/v:SubmitLeadResponse/v:Result/@status', equals: 'accepted' }, reason: { xpath: '/s:Envelope/s:Body/v:SubmitLeadResponse/v:Result' }, namespaces: { s: S12, v: 'urn:vendor' } },
    }),
  );

  it('a ping\'s is a pass with its reason, a post\'s a reject with it, in a 2xx or in the 500 it usually comes with', () => {
    expect(codec.readPing(fault11('soap:Server', 'No coverage'))).toEqual({ pass: true, reason: 'No coverage' });
    expect(codec.pingFault!(fault11('soap:Server', 'No coverage'))).toBe('No coverage');
    expect(codec.readPost(fault12)).toEqual({ accepted: false, reason: 'Duplicate lead & already sold' });
    expect(codec.postFault!(fault12)).toBe('Duplicate lead & already sold');
    // a 500 that is not a Fault (an HTML error page, nothing) stays an HTTP error
    expect(codec.pingFault!('<html><body>Internal Server Error</body></html>')).toBeUndefined();
    expect(codec.postFault!('')).toBeUndefined();
  });

  it('a typed reply is read by namespace, whatever prefixes the service chose', () => {
    const price = `<soap:Envelope xmlns:soap="${S11}"><soap:Body><PriceResponse xmlns="urn:vendor"><Amount>14.50</Amount></PriceResponse></soap:Body></soap:Envelope>`;
    expect(codec.readPing(price)).toEqual({ bid: 14.5, bid_id: undefined });
    const sold = `<env:Envelope xmlns:env="${S12}"><env:Body><a:SubmitLeadResponse xmlns:a="urn:vendor"><a:Result status="accepted">Lead 77 taken</a:Result></a:SubmitLeadResponse></env:Body></env:Envelope>`;
    expect(codec.readPost(sold)).toEqual({ accepted: true, reason: 'Lead 77 taken', redirect_url: undefined });
    const root = parseXml(sold);
    expect(attributeOf(root.children[0]!.children[0]!.children[0]!, 'status')).toBe('accepted');
    // not XML at all: the codec throws, which the transport makes a BAD_REPLY
    expect(() => codec.readPing('{"price": 3}')).toThrow();
  });
});

describe("the README's SOAP example", () => {
  it('is a valid buyer format, and builds the envelope it says', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('#### SOAP buyers'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const [buyer] = parseYaml(yaml) as [{ format: unknown }];
    const format = BuyerFormat.parse(buyer.format);
    const wire = renderRequest(format.ping!, JSON.stringify({ ping_id: 'p-9', lead: { zip: '90210', state: 'CA' } }));
    expect(wire.headers).toEqual({ SOAPAction: '"http://leads.northwind.example/PriceLead"' });
    const op = kid(kid(parseXml(wire.body!), 'Body', S11), 'PriceLead', 'http://leads.northwind.example/2019/');
    expect(op.children.map((c) => [c.local, c.text])).toEqual([['Zip', '90210'], ['State', 'CA'], ['Reference', 'p-9']]);
  });
});
