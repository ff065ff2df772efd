import { describe, expect, it } from 'vitest';
import { compileXPath, parseXml, xpathValue } from '../../src/buyers/templates/xml-read.js';
import { templateCodec } from '../../src/buyers/templates/template-codec.js';
import { BuyerFormat } from '../../src/config/template-schema.js';

const read = (xml: string, path: string, namespaces: Record<string, string> = {}) => xpathValue(parseXml(xml), compileXPath(path, namespaces));

describe('reading a buyer\'s XML reply', () => {
  it('decodes the five XML entities, numeric references, HTML named ones and CDATA; an unknown entity stays as written', () => {
    const xml = `<?xml version="1.0"?><r a="x &amp; &lt;y&gt; &#65;&#x42; &quot;q&quot;"><t>Smith &amp; Sons &lt;ltd&gt; &apos;s&apos; &#233;&#x20AC; caf&eacute;&nbsp;&copy; &bogus;</t><c><![CDATA[<b>&amp;</b>]]></c></r>`;
    expect(read(xml, '/r/t')).toBe("Smith & Sons <ltd> 's' é€ café\u00a0© &bogus;");
    expect(read(xml, '/r/@a')).toBe('x & <y> AB "q"');
    // CDATA is taken as it is: nothing in it is an entity
    expect(read(xml, '/r/c')).toBe('<b>&amp;</b>');
  });

  it('refuses a DOCTYPE, so "billion laughs" costs nothing and an external entity is never read', () => {
    const lol = ['<!ENTITY l0 "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`)].join('');
    const bomb = `<?xml version="1.0"?><!DOCTYPE r [${lol}]><r><price>&l9;</price></r>`;
    const t0 = performance.now();
    expect(() => parseXml(bomb)).toThrow(/DOCTYPE/);
    expect(() => parseXml('<!doctype r SYSTEM "file:///etc/passwd"><r>&xxe;</r>')).toThrow(/DOCTYPE/);
    expect(performance.now() - t0).toBeLessThan(50);
    // through a buyer's format: a BAD_REPLY (the codec throws), not a bid read from an expanded entity
    const codec = templateCodec(BuyerFormat.parse({ ping: { body: 'xml', fields: { z: 'lead.zip' } }, ping_reply: { bid: { xpath: '/r/price' } }, post: { fields: {} }, post_reply: { accepted: { json: 'ok' } } }));
    expect(() => codec.readPing(bomb)).toThrow();
  });

  it('throws on a reply that is not one well-formed document', () => {
    for (const bad of ['<r><price><oops</price></r>', '<a><b></a>', '<a>1</a><b/>', 'price=12', '', '<a x=1/>', '<p:a>1</p:a>']) expect(() => parseXml(bad), bad).toThrow();
  });

  it('a reply nested deeper than any buyer needs (64 KB of open tags) throws, in bounded time', () => {
    const deep = '<a>'.repeat(16_000) + '</a>'.repeat(16_000);
    const t0 = performance.now();
    expect(() => parseXml(deep)).toThrow();
    expect(performance.now() - t0).toBeLessThan(1_000);
    // a hundred levels is still a reply
    expect(read('<a>'.repeat(90) + '<p>1</p>' + '</a>'.repeat(90), '/a/a/a')).toBe('');
  });

  it('a path without prefixes reads local names in any namespace, as before namespaces', () => {
    const xml = '<Response xmlns="urn:acme"><Price>12.5</Price><Result status="ok">Accepted</Result></Response>';
    expect(read(xml, '/Response/Price')).toBe('12.5');
    // a .NET service's byte-order mark before the declaration is still the document
    expect(read(`\ufeff<?xml version="1.0" encoding="utf-8"?>${xml}`, '/Response/Price')).toBe('12.5');
    expect(read(xml, '/Response/Result/@status')).toBe('ok');
    expect(read(xml, '/Response/Missing')).toBeUndefined();
    expect(read(xml, '/Other/Price')).toBeUndefined();
  });

  it('a prefixed path matches by namespace URI, whatever prefix the reply uses', () => {
    const ns = { s: 'http://schemas.xmlsoap.org/soap/envelope/', v: 'urn:vendor' };
    const path = '/s:Envelope/s:Body/v:SubmitLeadResponse/v:Result/@status';
    // the reply's prefixes are its own: soap/x, a default namespace, or prefixes redeclared on the way down
    const replies = [
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:x="urn:vendor"><soap:Body><x:SubmitLeadResponse><x:Result status="accepted">1</x:Result></x:SubmitLeadResponse></soap:Body></soap:Envelope>',
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><SubmitLeadResponse xmlns="urn:vendor"><Result status="accepted">1</Result></SubmitLeadResponse></s:Body></s:Envelope>',
      '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><e:SubmitLeadResponse xmlns:e="urn:vendor"><e:Result status="accepted"/></e:SubmitLeadResponse></e:Body></e:Envelope>',
    ];
    for (const xml of replies) expect(read(xml, path, ns), xml).toBe('accepted');
    // the same local names in another namespace are not the vendor's
    const other = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><SubmitLeadResponse xmlns="urn:someone-else"><Result status="accepted"/></SubmitLeadResponse></s:Body></s:Envelope>';
    expect(read(other, path, ns)).toBeUndefined();
    expect(read(other, '/Envelope/Body/SubmitLeadResponse/Result/@status')).toBe('accepted');
    // a prefixed attribute is matched by its namespace too; an unprefixed one is in none
    const attrs = '<r xmlns:a="urn:attrs" xmlns="urn:vendor" a:code="7" code="8"/>';
    expect(read(attrs, '/r/@q:code', { q: 'urn:attrs' })).toBe('7');
    expect(read(attrs, '/r/@code')).toBe('8');
    expect(() => compileXPath('/x:r', {})).toThrow(/prefix x/);
  });
});

describe('the config of reply paths', () => {
  const format = (ping_reply: unknown) => ({ ping: { body: 'xml', fields: { z: 'lead.zip' } }, ping_reply, post: { fields: {} }, post_reply: { accepted: { json: 'ok' } } });
  it('a prefix a path uses must be in its rules\' namespaces', () => {
    const r = BuyerFormat.safeParse(format({ bid: { xpath: '/s:Envelope/s:Body/v:Price' }, namespaces: { s: 'http://schemas.xmlsoap.org/soap/envelope/' } }));
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['ping_reply.bid.xpath', 'prefix v is not in namespaces']]);
    expect(BuyerFormat.safeParse(format({ bid: { xpath: '/s:Envelope/s:Body/v:Price' }, namespaces: { s: 'urn:s', v: 'urn:v' } })).success).toBe(true);
    expect(BuyerFormat.safeParse(format({ bid: { xpath: '/a b' } })).success).toBe(false);
  });
});
