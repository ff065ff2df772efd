import type { PingEnvelope } from '../protocol/seller-api.js';

export type SellerRoute = 'ping' | 'post' | 'leads';

export interface CallResult {
  status: number;
  body: unknown;
  /** set for pings: measured against their deadline once written */
  ping: PingEnvelope | undefined;
  outcome: string;
}
