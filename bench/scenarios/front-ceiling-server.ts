import { uws } from '../../src/front/uws.js';
import { sellerCalls, serveForParent } from '../support/serve-for-parent.js';

/**
 * The front ceiling: uWebSockets.js answering every ping and lead with a fixed bid, having read
 * the body and nothing more, over HTTP or the seller socket. No buyer, no store: the most any
 * server on this front could answer.
 * Talks to its parent over IPC (relay-messages.ts).
 */
const BID = '{"status":"bid","price":5}';
const SOLD = '{"status":"sold","price":5}';
const app = uws.App();
sellerCalls(app, {
  ping: { path: '/v1/ping', handle: (_call, answer) => answer(BID) },
  lead: { path: '/v1/leads', handle: (_call, answer) => answer(SOLD) },
});
serveForParent(app, 'front ceiling');
