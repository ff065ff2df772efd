/**
 * Just enough XML to read a buyer's reply: elements, attributes, text, CDATA, the five
 * entities and numeric ones; declarations, comments and processing instructions skipped.
 * Not a validator: a reply it cannot walk throws, which makes it a BAD_REPLY.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const tag = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<\/\s*([^\s>]+)\s*>|<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = tag.exec(xml)) !== null) {
    if (m.index !== at) throw new Error(`XML: cannot read at ${at}`);
    at = tag.lastIndex;
    const top = stack[stack.length - 1]!;
    if (m[1] !== undefined) top.text += m[1];
    else if (m[2] !== undefined) {
      if (stack.length === 1 || top.name !== m[2]) throw new Error(`XML: </${m[2]}> closes <${top.name}>`);
      stack.pop();
    } else if (m[3] !== undefined) {
      const el: XmlElement = { name: m[3], attributes: {}, children: [], text: '' };
      for (const a of (m[4] ?? '').matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) el.attributes[a[1]!] = decode(a[2] ?? a[3] ?? '');
      top.children.push(el);
      if (m[5] !== '/') stack.push(el);
    } else if (m[6] !== undefined) top.text += decode(m[6]);
  }
  if (at !== xml.length || stack.length !== 1) throw new Error('XML: unclosed element or trailing text');
  if (root.children.length !== 1) throw new Error('XML: not one root element');
  return root;
}

/** `/Response/Result` or `/Response/@status`: the first match's trimmed text or attribute; undefined when absent. */
export function xpathValue(doc: XmlElement, path: string): string | undefined {
  const steps = path.split('/').slice(1);
  let nodes: XmlElement[] = [doc];
  for (const step of steps) {
    if (step.startsWith('@')) return nodes[0]?.attributes[step.slice(1)];
    nodes = nodes.flatMap((n) => n.children.filter((c) => c.name === step));
    if (nodes.length === 0) return undefined;
  }
  return nodes[0]!.text.trim();
}
