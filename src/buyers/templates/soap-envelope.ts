import { SOAP_ENVELOPE, type SoapOptions } from '../../config/template-schema.js';

/** How a SOAP request goes on the wire: its content type and the headers besides it. */
export interface SoapWire {
  contentType: string;
  /** SOAP 1.1's SOAPAction; null in 1.2, whose action is a parameter of the content type */
  headers: Readonly<Record<string, string>> | null;
}

/**
 * SOAP 1.1 (§6.1.1): `text/xml` and a `SOAPAction` header, its value a quoted URI (`""` when the
 * service wants none). SOAP 1.2 (RFC 3902): `application/soap+xml` with `action` as a parameter,
 * left out when there is none. The action was checked at config time to need no escaping.
 */
export function soapWire(soap: SoapOptions): SoapWire {
  if (soap.version === '1.1') return { contentType: 'text/xml; charset=utf-8', headers: Object.freeze({ SOAPAction: `"${soap.action}"` }) };
  return { contentType: `application/soap+xml; charset=utf-8${soap.action === '' ? '' : `; action="${soap.action}"`}`, headers: null };
}

/**
 * The envelope's opening up to where the body's element goes, and its closing: made once per
 * template. Every declared prefix is declared on the Envelope, so any name below may use it;
 * `soap:` is the envelope's own.
 */
export function soapFrame(soap: SoapOptions): { open: string; close: string } {
  const decls = Object.entries({ ...soap.namespaces, soap: SOAP_ENVELOPE[soap.version] })
    .map(([p, uri]) => ` xmlns:${p}="${escapeXml(uri)}"`)
    .join('');
  return { open: `<?xml version="1.0" encoding="utf-8"?><soap:Envelope${decls}><soap:Body>`, close: '</soap:Body></soap:Envelope>' };
}

const ESCAPES: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

/**
 * Text safe in an element or a quoted attribute. Characters XML 1.0 cannot carry at all (C0
 * controls but tab, newline and return; lone surrogates; U+FFFE/U+FFFF) are dropped: escaped as
 * references they would still make the document ill-formed, and the buyer would refuse it whole.
 */
export function escapeXml(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '').replace(/[<>&"']/g, (c) => ESCAPES[c]!);
}
