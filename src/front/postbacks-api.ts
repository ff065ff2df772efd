import type { TemplatedApp } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { Postbacks } from '../notify/postbacks.js';
import type { Logger } from '../telemetry/logger.js';
import { jsonRoute, type Listener } from './admin-route.js';

const PARTY = /^(seller|buyer):[A-Za-z0-9_.-]{1,64}$/;

/**
 * GET /v1/postbacks: how the delivery of a party's notices went, newest first, each with its
 * tries, its state and its last error. A seller sees its own postbacks and a buyer its own loss
 * notices (public listener); the operator names the party (`?party=seller:<id>`, operator listener).
 */
export function attachPostbacksApi(app: TemplatedApp, listener: Listener, runtime: RuntimeSource, postbacks: Postbacks, log: Logger): void {
  jsonRoute(app, listener, 'get', '/v1/postbacks', 0, runtime, log, async ({ caller, query }) => {
    const limit = Number(query.get('limit') ?? '100');
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new GavelError('INVALID_REQUEST', undefined, [{ path: 'limit', message: '1 to 500' }]);
    let party: string;
    if (caller.kind === 'admin') {
      party = query.get('party') ?? '';
      if (!PARTY.test(party)) throw new GavelError('INVALID_REQUEST', undefined, [{ path: 'party', message: 'seller:<id> or buyer:<id>' }]);
    } else {
      // a party's own, whatever it names: no way to ask for another's
      party = caller.kind === 'seller' ? `seller:${caller.seller.id}` : `buyer:${caller.buyer.id}`;
    }
    return { status: 200, body: { party, notices: await postbacks.deliveriesOf(party, limit) } };
  });
}
