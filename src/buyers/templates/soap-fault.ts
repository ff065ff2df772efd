import { SOAP_ENVELOPE } from '../../config/template-schema.js';
import { childOf, XML_NS, type XmlElement } from './xml-read.js';

/** A pass's or a reject's reason is at most this long (buyer-replies.ts). */
const MAX_REASON = 256;

/**
 * The reason of a SOAP Fault, if `root` is an envelope whose Body holds one; undefined otherwise.
 * SOAP 1.1: `faultstring` (the human reason), else `faultcode`; toolkits disagree on whether these
 * children are qualified, so they are matched by local name. SOAP 1.2: `Reason/Text`, the English
 * one where there are several, else `Code/Value`. Cut to the length a reason may have.
 */
export function soapFault(root: XmlElement): string | undefined {
  const ns = root.ns;
  if (root.local !== 'Envelope' || (ns !== SOAP_ENVELOPE['1.1'] && ns !== SOAP_ENVELOPE['1.2'])) return undefined;
  const body = childOf(root, ns, 'Body');
  const fault = body === undefined ? undefined : childOf(body, ns, 'Fault');
  if (fault === undefined) return undefined;
  const text = (el: XmlElement | undefined) => el?.text.trim() || undefined;
  const named = (local: string) => fault.children.find((c) => c.local === local);
  let reason: string | undefined;
  if (ns === SOAP_ENVELOPE['1.1']) reason = text(named('faultstring')) ?? text(named('faultcode'));
  else {
    const texts = childOf(fault, ns, 'Reason')?.children.filter((c) => c.local === 'Text' && c.ns === ns) ?? [];
    const english = texts.find((t) => /^en\b/i.test(t.attributes.find((a) => a.local === 'lang' && a.ns === XML_NS)?.value ?? ''));
    const code = childOf(fault, ns, 'Code');
    reason = text(english ?? texts[0]) ?? text(code === undefined ? undefined : childOf(code, ns, 'Value'));
  }
  return (reason ?? 'SOAP Fault').slice(0, MAX_REASON);
}
