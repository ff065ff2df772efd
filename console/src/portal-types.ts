/**
 * The answers the portal reads, typed from the schemas the server validates and documents with
 * (src/protocol): type-only imports, so none of zod reaches the bundle and the two cannot drift.
 */
import type { z } from 'zod';
import type { BuyerTrace, CapsAnswer, LeadList, NoticeDeliveriesAnswer, ReturnAnswer, SalesAnswer, SellerTrace, SessionAnswer } from '../../src/protocol/party-api.js';
import type { PingAnswer, PostAnswer } from '../../src/protocol/seller-api.js';

export type Who = z.infer<typeof SessionAnswer>;
export type Caps = z.infer<typeof CapsAnswer>;
export type Sales = z.infer<typeof SalesAnswer>;
export type Return = z.infer<typeof ReturnAnswer>;
export type Notices = z.infer<typeof NoticeDeliveriesAnswer>;
export type BuyerView = z.infer<typeof BuyerTrace>;
export type SellerView = z.infer<typeof SellerTrace>;
export type Ping = z.infer<typeof PingAnswer>;
export type Post = z.infer<typeof PostAnswer>;
/** GET /v1/leads?…: a party's own leads, newest first; `next` the cursor of the page after (`before`). */
export type LeadPage = z.infer<typeof LeadList>;

/** What the spec page reads of a seller's own spec (GET /v1/spec, src/spec/seller-spec.ts). */
export interface CampaignFacts {
  tmax_ms: number;
  max_tmax_ms: number;
  post_tmax_ms: number;
  ping_ttl_ms: number;
  ping_fields: string[];
  pii_fields: string[];
  required_fields: string[];
}
export interface FieldSchema {
  type: string;
  description?: string;
  maxLength?: number;
  pattern?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  format?: string;
  'x-format'?: string;
  'x-ping': boolean;
  'x-pii': boolean;
}
export interface SellerSpec {
  info: { title: string; version: string };
  tags: { name: string; description: string }[];
  paths: Record<string, { post: { requestBody: { content: { 'application/json': { examples: Record<string, { value: { campaign?: string; lead: Record<string, unknown> } }> } } } } }>;
  components: { schemas: Record<string, { properties?: Record<string, FieldSchema>; required?: string[] }> };
  'x-gavel-campaigns': Record<string, CampaignFacts>;
}
