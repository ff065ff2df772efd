import { HttpBuyerTransport } from './buyers/http-transport.js';
import type { BuyerTransport } from './buyers/transport.js';
import type { Runtime } from './config/runtime.js';

export interface WarmedConnections {
  /** connections open to the buyers when it ended */
  opened: number;
  /** the HTTP buyers pinged that no connection could be opened to in time */
  unreached: string[];
}

/**
 * Start-up step: open a few keep-alive ping connections to every HTTP buyer that is pinged, so
 * the first auctions after /ready do not each pay a TCP handshake (the first ~2 s after start had
 * a p99 of about 170 ms). At most `perBuyer` (and never past the buyer's own pool size) per buyer,
 * all at once, each given `withinMs`: a buyer that is down or slow to accept holds the start up
 * for that long at most, and its pings connect on demand as they always did.
 */
export async function warmConnections(runtime: Runtime, transports: ReadonlyMap<string, BuyerTransport>, perBuyer: number, withinMs: number): Promise<WarmedConnections> {
  const warming: Promise<[string, number]>[] = [];
  for (const b of runtime.buyers) {
    // a fixed-price buyer is never pinged, a paused one not now: their posts open what they need
    if (!b.config.active || b.priceMicros !== null || b.config.ping_url === undefined) continue;
    const t = transports.get(b.id);
    if (!(t instanceof HttpBuyerTransport)) continue;
    warming.push(t.warm(Math.min(perBuyer, b.config.connections), withinMs).then((n) => [b.id, n]));
  }
  const done = await Promise.all(warming);
  return { opened: done.reduce((sum, [, n]) => sum + n, 0), unreached: done.filter(([, n]) => n === 0).map(([id]) => id) };
}
