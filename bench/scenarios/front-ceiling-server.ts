import type { HttpResponse } from 'uWebSockets.js';
import { uws } from '../../src/front/uws.js';
import { serveForParent } from '../support/serve-for-parent.js';

/**
 * The front ceiling: uWebSockets.js answering every ping and lead with a fixed bid, having read
 * the body and nothing more. No buyer, no store: the most any server on this front could answer.
 * Talks to its parent over IPC (relay-messages.ts).
 */
const BID = '{"status":"bid","price":5}';
const SOLD = '{"status":"sold","price":5}';
const app = uws.App();
const answer = (text: string) => (res: HttpResponse) => {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  res.onData((_chunk, last) => {
    if (last && !aborted) res.cork(() => res.writeStatus('200 OK').writeHeader('content-type', 'application/json').end(text));
  });
};
app.post('/v1/ping', answer(BID));
app.post('/v1/leads', answer(SOLD));
serveForParent(app, 'front ceiling');
