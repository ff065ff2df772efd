/**
 * The pieces every path group of the published document is made of: JSON Schema from zod, the
 * two listeners as servers, the error answer, examples. A group (seller-paths.ts, party-paths.ts,
 * ...) is one file returning a PathGroup; openapi-document.ts composes them, so a new API is one
 * more file.
 */
import { z } from 'zod';

/** a zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), as a client sends it (`io: input`) */
export function requestSchema(schema: z.ZodType): Record<string, unknown> {
  return strip(z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }));
}

/** a zod schema as JSON Schema, as the server writes it (`io: output`) */
export function answerSchema(schema: z.ZodType): Record<string, unknown> {
  return strip(z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' }));
}

/** `$schema` is the document's dialect already: a component does not repeat it */
function strip(s: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = s;
  return rest;
}

export type Listener = 'public' | 'operator';

/** The two listeners (README, Keys and listeners); `x-listener` names each for tools and the contract test. */
export const SERVERS = {
  public: { url: 'http://localhost:8080', description: 'The public listener (--port): sellers, buyers, their own APIs, /health and /ready', 'x-listener': 'public' },
  operator: { url: 'http://127.0.0.1:9090', description: "The operator listener (server.operator): /metrics, the operator's API, /health and /ready", 'x-listener': 'operator' },
} as const;

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * Values an example cannot know (a live ping's id, a sold lead's id, a pending return's id): an
 * example carries the placeholder, and the contract test puts the live value in its place.
 */
export const PLACEHOLDER = {
  pingId: '3f1c1a52-2b59-4a36-9d2f-6f1f0b8a7c11',
  /** an Idempotency-Key a seller has used already, for another request */
  idempotencyKey: 'order-7781',
  leadId: '9b2e4c1d-7a5f-4e8b-a0c3-2d1f6e5b4a39',
  returnId: 'ret:9b2e4c1d-7a5f-4e8b-a0c3-2d1f6e5b4a39:acme',
} as const;

export interface Example {
  summary: string;
  value: unknown;
}

/**
 * How the contract test sends an example, when not as the operation's default: which key (none,
 * a seller's, another seller's, a buyer's, the operator's), on which listener, with which headers,
 * the body sent as raw text, and which live value it needs first (a fresh ping's id, a sold lead's
 * id, a pending return's id), put in place of the example's placeholder.
 */
export interface SendHint {
  key?: 'none' | 'seller' | 'buyer' | 'operator';
  listener?: Listener;
  headers?: Record<string, string>;
  raw?: true;
  needs?: 'bid' | 'posted' | 'sale' | 'returned_sale' | 'pending_return' | 'decided_return' | 'key_used';
  /** the documented answer this example gets, when it shares another example's (the same call on the other listener) */
  answer?: string;
}

/** An operation's defaults for its examples, and each example's own hints. */
export interface SendHints {
  key: NonNullable<SendHint['key']>;
  examples?: Record<string, SendHint>;
}

type Responses = Record<string, { description: string; content?: Record<string, { schema: unknown; examples?: Record<string, Example> }> }>;

/** A JSON answer with its schema and named examples (a name pairs a request example with the answer it gets). */
export function jsonAnswer(description: string, schema: unknown, examples?: Record<string, Example>) {
  return { description, content: { 'application/json': { schema, ...(examples ? { examples } : {}) } } };
}

/** An error answer: the error body, with named examples of the codes this status carries here. */
export function errorAnswer(description: string, examples?: Record<string, Example>) {
  return jsonAnswer(description, ref('Error'), examples);
}

/** An error body as the server writes it, for an example. */
export function errorExample(summary: string, code: string, message: string, details?: { path: string; message: string }[]): Example {
  return { summary, value: { error: { code, message, ...(details ? { details } : {}) } } };
}

export type { Responses };

/** One group of the document: its paths, webhooks and component schemas, and its tag. */
export interface PathGroup {
  tag: { name: string; description: string };
  paths?: Record<string, Record<string, unknown>>;
  webhooks?: Record<string, Record<string, unknown>>;
  schemas?: Record<string, unknown>;
}
