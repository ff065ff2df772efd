import type { Format } from './respond.js';

/** The body format a Content-Type names, or null for one Gavel does not take (or none). */
export function formatOf(contentType: string): Format | null {
  const semi = contentType.indexOf(';');
  const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (media === 'application/json') return 'json';
  if (media === 'application/msgpack' || media === 'application/x-msgpack' || media === 'application/vnd.msgpack') return 'msgpack';
  return null;
}
