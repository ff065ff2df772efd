/** What goes on the wire for one call to a buyer. */
export interface WireRequest {
  method: 'POST' | 'GET';
  /** appended to the configured URL's path (a GET's query string) */
  query: string;
  contentType: string | null;
  /**
   * headers besides the content type (a SOAP 1.1 SOAPAction): one object per template, the same on
   * every call, so a transport may key what it makes of them on the object itself
   */
  headers?: Readonly<Record<string, string>> | null;
  body: string | null;
}

/**
 * What a buyer's own format may say of a lead besides Gavel's native message: the template
 * sources `seller`, `sub_id`, `lead_id` and the times (src/buyers/templates). Ids and times, no
 * personal data. The exchange hands its lead's run, which has these fields, so a call makes none.
 */
export interface CallFacts {
  readonly seller: { readonly id: string };
  /** the seller's sub id (its traffic source), when it gave one */
  readonly subId: string | undefined;
  /** the lead's id: a ping's, which its post keeps, or a direct post's */
  readonly id: string;
  /** when Gavel received the lead's ping (a direct post: the lead), wall-clock epoch ms */
  readonly pingReceivedAt: number;
}

/**
 * How a buyer is spoken to: the native protocol (JSON in, JSON out), or a buyer's own format
 * (src/buyers/templates). Requests are made from Gavel's native message (JSON text); replies
 * are read into the native reply's shape, then checked by buyer-replies.ts like any other. A
 * reader that cannot make sense of a reply throws: a BAD_REPLY.
 */
export interface BuyerCodec {
  /** `facts`: the lead's, absent where a call has no lead behind it */
  pingRequest(native: string, facts?: CallFacts): WireRequest;
  readPing(text: string): unknown;
  postRequest(native: string, facts?: CallFacts): WireRequest;
  readPost(text: string): unknown;
  /**
   * A reply that is not a 2xx, read for the buyer's own refusal in its protocol (a SOAP Fault):
   * its reason, and the call is a pass (a ping) or a reject (a post) with it rather than an
   * HTTP_ERROR; undefined when it is not one. Never throws. Absent: every such reply is an HTTP_ERROR.
   */
  pingFault?(text: string): string | undefined;
  postFault?(text: string): string | undefined;
}

const json = (native: string): WireRequest => ({ method: 'POST', query: '', contentType: 'application/json', body: native });

export const NATIVE_CODEC: BuyerCodec = {
  pingRequest: json,
  readPing: (text) => JSON.parse(text),
  postRequest: json,
  readPost: (text) => JSON.parse(text),
};
