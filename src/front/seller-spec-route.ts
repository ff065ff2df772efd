import type { TemplatedApp } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import type { Runtime, SellerRuntime } from '../config/runtime.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import { sellerSpec } from '../spec/seller-spec.js';
import type { Logger } from '../telemetry/logger.js';
import { jsonRoute } from './admin-route.js';

/**
 * GET /v1/spec on the public listener: with a seller's key, the OpenAPI document of that
 * seller's campaigns (src/spec/seller-spec.ts), from the configuration live at the call. Kept
 * per configuration version and seller: a new version makes a new one at its first call.
 */
export function attachSellerSpec(app: TemplatedApp, live: RuntimeSource, log: Logger): void {
  const made = new WeakMap<Runtime, Map<SellerRuntime, unknown>>();
  jsonRoute(app, 'public', 'get', '/v1/spec', 0, live, log, async ({ caller }) => {
    if (caller.kind !== 'seller') throw new GavelError('FORBIDDEN', "GET /v1/spec is a seller's own spec: it takes a seller's key");
    const now = live.current();
    let bySeller = made.get(now.runtime);
    if (bySeller === undefined) made.set(now.runtime, (bySeller = new Map()));
    let spec = bySeller.get(caller.seller);
    if (spec === undefined) bySeller.set(caller.seller, (spec = sellerSpec(now, caller.seller)));
    return { status: 200, body: spec };
  });
}
