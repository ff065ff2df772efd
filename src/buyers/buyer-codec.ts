/** What goes on the wire for one call to a buyer. */
export interface WireRequest {
  method: 'POST' | 'GET';
  /** appended to the configured URL's path (a GET's query string) */
  query: string;
  contentType: string | null;
  body: string | null;
}

/**
 * How a buyer is spoken to: the native protocol (JSON in, JSON out), or a buyer's own format
 * (src/buyers/templates). Requests are made from Gavel's native message (JSON text); replies
 * are read into the native reply's shape, then checked by buyer-replies.ts like any other. A
 * reader that cannot make sense of a reply throws: a BAD_REPLY.
 */
export interface BuyerCodec {
  pingRequest(native: string): WireRequest;
  readPing(text: string): unknown;
  postRequest(native: string): WireRequest;
  readPost(text: string): unknown;
}

const json = (native: string): WireRequest => ({ method: 'POST', query: '', contentType: 'application/json', body: native });

export const NATIVE_CODEC: BuyerCodec = {
  pingRequest: json,
  readPing: (text) => JSON.parse(text),
  postRequest: json,
  readPost: (text) => JSON.parse(text),
};
