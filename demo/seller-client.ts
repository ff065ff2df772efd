import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  /** round trip as the seller sees it */
  ms: number;
}

/** What the demo's traffic needs of a seller, whichever way it reaches Gavel: answers as HTTP would give them. */
export interface Seller {
  ping(lead: object, tmaxMs: number): Promise<Answer>;
  post(pingId: string, lead: object): Promise<Answer>;
  directPost(lead: object): Promise<Answer>;
  close(): Promise<void>;
}

/** A seller calling Gavel's HTTP API over keep-alive connections. */
export class SellerClient implements Seller {
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;

  constructor(baseUrl: string, apiKey: string, connections: number) {
    this.pool = new Pool(baseUrl, { connections });
    this.headers = { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` };
  }

  private async call(path: string, payload: unknown): Promise<Answer> {
    const t0 = performance.now();
    const res = await this.pool.request({ method: 'POST', path, headers: this.headers, body: JSON.stringify(payload) });
    const body = (await res.body.json()) as Record<string, unknown>;
    return { status: res.statusCode, body, ms: performance.now() - t0 };
  }

  ping(lead: object, tmaxMs: number): Promise<Answer> {
    return this.call('/v1/ping', { campaign: 'auto', lead, tmax_ms: tmaxMs });
  }

  post(pingId: string, lead: object): Promise<Answer> {
    return this.call('/v1/post', { ping_id: pingId, lead });
  }

  directPost(lead: object): Promise<Answer> {
    return this.call('/v1/leads', { campaign: 'auto', lead });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
