import { performance } from 'node:perf_hooks';
import { connectSeller, GavelCallError, type SellerConnection } from '../src/sdk/index.js';
import type { Answer, Seller } from './seller-client.js';

/**
 * A seller on Gavel's seller socket through the SDK, answering as the HTTP client does: an
 * answer is status 200 with the call's fields, an error answer (GavelCallError) its status and
 * `{error: {code, message}}`, so the demo's traffic and summary read both alike.
 */
export class SocketSellerClient implements Seller {
  private constructor(private readonly conn: SellerConnection) {}

  /** Resolves once the socket is open, so the first leads do not wait on the handshake. */
  static async connect(baseUrl: string, apiKey: string): Promise<SocketSellerClient> {
    const conn = connectSeller({ url: baseUrl, key: apiKey });
    await conn.ready;
    return new SocketSellerClient(conn);
  }

  private async call(make: () => Promise<object>): Promise<Answer> {
    const t0 = performance.now();
    try {
      const body = (await make()) as Record<string, unknown>;
      return { status: 200, body, ms: performance.now() - t0 };
    } catch (e) {
      if (!(e instanceof GavelCallError)) throw e;
      return { status: e.status, body: { error: { code: e.code, message: e.message } }, ms: performance.now() - t0 };
    }
  }

  // the SDK takes a lead as a plain record; the demo's leads are typed objects of that shape
  ping(lead: object, tmaxMs: number): Promise<Answer> {
    return this.call(() => this.conn.ping('auto', lead as Record<string, unknown>, { tmax_ms: tmaxMs }));
  }

  post(pingId: string, lead: object): Promise<Answer> {
    return this.call(() => this.conn.post(pingId, lead as Record<string, unknown>));
  }

  directPost(lead: object): Promise<Answer> {
    return this.call(() => this.conn.lead('auto', lead as Record<string, unknown>));
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}
