import { ALL_ENTITIES, ENTITY_ACTION, EntityDecoder } from '@nodable/entities';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * A buyer's XML reply, read by fast-xml-parser (a maintained parser, not a hand-written one)
 * into elements whose names are resolved against their namespace declarations, so a path can
 * match `urn:vendor`'s `Result` whatever prefix the reply happens to give it.
 *
 * Entities: the five of XML, numeric references, and HTML5's named ones (`&nbsp;` → U+00A0,
 * `&eacute;` → é; the parser's own entity tables) are decoded, because vendors' replies built
 * from HTML-minded templates use them; an unknown one stays as written. A DOCTYPE is refused outright (the reply throws): a
 * buyer's reply has no use for a DTD, and refusing it leaves no entity of the reply's own to
 * expand, so "billion laughs" and external entities cannot cost anything.
 * Not well-formed, no single root, or nested deeper than the parser's limit: it throws, which
 * the codec makes a BAD_REPLY.
 */
export interface XmlElement {
  /** as written, `s:Envelope` */
  name: string;
  /** the name without its prefix, `Envelope` */
  local: string;
  /** the namespace URI its prefix (or the default namespace) resolves to; '' for none */
  ns: string;
  attributes: XmlAttribute[];
  children: XmlElement[];
  /** its own text and CDATA, decoded, in order (a child's text is the child's) */
  text: string;
}

export interface XmlAttribute {
  local: string;
  /** an unprefixed attribute is in no namespace (Namespaces in XML 1.0 §6.2), whatever the default */
  ns: string;
  value: string;
}

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** `xml:` is bound by the spec itself, and no default namespace is in force at the root; every other prefix must be declared */
const BUILT_IN: ReadonlyMap<string, string> = new Map([
  ['xml', XML_NS],
  ['', ''],
]);

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // values stay text: a reader decides what a price is
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  // the parser's `htmlEntities: true` is a common few; this is every HTML5 name. A DOCTYPE never
  // reaches it (parseXml refuses one first), and were one to, its entities would be dropped unread.
  entityDecoder: new EntityDecoder({ namedEntities: ALL_ENTITIES, numericAllowed: true, onInputEntity: () => ENTITY_ACTION.BLOCK, onExternalEntity: () => ENTITY_ACTION.BLOCK }),
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  commentPropName: false,
});

/** fast-xml-parser's ordered output: one key per node (its name, #text or #cdata), attributes under `:@` */
type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

function split(qname: string): [prefix: string, local: string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

function build(name: string, node: OrderedNode, scope: ReadonlyMap<string, string>): XmlElement {
  const raw = node[':@'] ?? {};
  let inScope = scope;
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) {
      if (inScope === scope) inScope = new Map(scope);
      (inScope as Map<string, string>).set(k === 'xmlns' ? '' : k.slice(6), v);
    }
  }
  const [prefix, local] = split(name);
  const ns = inScope.get(prefix);
  if (ns === undefined) throw new Error(`XML: prefix ${prefix} is not declared`);
  const attributes: XmlAttribute[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
    const [p, l] = split(k);
    const ans = p === '' ? '' : inScope.get(p);
    if (ans === undefined) throw new Error(`XML: prefix ${p} is not declared`);
    attributes.push({ local: l, ns: ans, value: v });
  }
  const el: XmlElement = { name, local, ns, attributes, children: [], text: '' };
  for (const child of node[name] as OrderedNode[]) {
    const key = Object.keys(child).find((k) => k !== ':@')!;
    if (key === '#text') el.text += String(child[key]);
    else if (key === '#cdata') for (const t of child[key] as OrderedNode[]) el.text += String(t['#text']);
    else el.children.push(build(key, child, inScope));
  }
  return el;
}

/** The reply's root element. Throws on anything that is not one well-formed XML document without a DOCTYPE. */
export function parseXml(xml: string): XmlElement {
  // any spelling: the parser is lenient, and a refused DTD must not slip through as another case
  if (/<!DOCTYPE/i.test(xml)) throw new Error('XML: a DOCTYPE is refused');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`XML: ${valid.err.msg}`);
  const nodes = (parser.parse(xml) as OrderedNode[]).filter((n) => !('#text' in n));
  if (nodes.length !== 1) throw new Error('XML: not one root element');
  const root = nodes[0]!;
  return build(Object.keys(root).find((k) => k !== ':@')!, root, BUILT_IN);
}

/** One step of a path: a local name, and the namespace URI it must be in, or null for any. */
export interface XPathStep {
  local: string;
  ns: string | null;
}
export interface XPath {
  elements: XPathStep[];
  attribute: XPathStep | null;
}

/**
 * `/s:Envelope/s:Body/v:Result/@status` compiled with the reader's `namespaces` (prefix → URI):
 * a prefixed step matches that URI and local name, whatever prefix the reply uses; a step
 * without one matches the local name in any namespace (how paths read before namespaces, and
 * what most replies without them need). An unprefixed attribute is the one in no namespace.
 * Throws on a prefix `namespaces` does not declare.
 */
export function compileXPath(path: string, namespaces: Readonly<Record<string, string>> = {}): XPath {
  const step = (s: string, attribute: boolean): XPathStep => {
    const [prefix, local] = split(s);
    if (prefix === '') return { local, ns: attribute ? '' : null };
    const ns = prefix === 'xml' ? XML_NS : namespaces[prefix];
    if (ns === undefined) throw new Error(`prefix ${prefix} is not in namespaces`);
    return { local, ns };
  };
  const steps = path.split('/').slice(1);
  const last = steps.at(-1)!;
  const attribute = last.startsWith('@') ? step(last.slice(1), true) : null;
  return { elements: (attribute === null ? steps : steps.slice(0, -1)).map((s) => step(s, false)), attribute };
}

const matches = (s: XPathStep, local: string, ns: string) => s.local === local && (s.ns === null || s.ns === ns);

/** The first match's trimmed text, or its attribute's value; undefined when there is none. */
export function xpathValue(root: XmlElement, path: XPath): string | undefined {
  const [first, ...rest] = path.elements;
  if (first === undefined || !matches(first, root.local, root.ns)) return undefined;
  let nodes: XmlElement[] = [root];
  for (const s of rest) {
    nodes = nodes.flatMap((n) => n.children.filter((c) => matches(s, c.local, c.ns)));
    if (nodes.length === 0) return undefined;
  }
  const a = path.attribute;
  if (a === null) return nodes[0]!.text.trim();
  for (const n of nodes) {
    const found = n.attributes.find((x) => matches(a, x.local, x.ns));
    if (found !== undefined) return found.value;
  }
  return undefined;
}

/** The first child of `el` with this local name in this namespace. */
export function childOf(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  return el.children.find((c) => c.local === local && c.ns === ns);
}

/** The value of `el`'s attribute with this local name in this namespace ('' for an unprefixed one). */
export function attributeOf(el: XmlElement, local: string, ns = ''): string | undefined {
  return el.attributes.find((a) => a.local === local && a.ns === ns)?.value;
}
