import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { asyncApiDocument } from '../spec/asyncapi-document.js';
import { openApiDocument } from '../spec/openapi-document.js';
import { refusedFraming } from './http-framing.js';
import { sendText, watch } from './respond.js';

/** A published document on both listeners, no key needed: written once, at start, as `npm run spec` writes it. */
function documentRoute(document: object): (res: HttpResponse, req: HttpRequest) => void {
  const text = JSON.stringify(document, null, 2) + '\n';
  return (res, req) => {
    if (refusedFraming(res, req)) return;
    sendText(res, watch(res, 'json'), 200, 'application/json', text);
  };
}

/** GET /openapi.json: the HTTP API (src/spec/openapi-document.ts) */
export const openApiRoute = () => documentRoute(openApiDocument());

/** GET /asyncapi.json: the sockets (src/spec/asyncapi-document.ts) */
export const asyncApiRoute = () => documentRoute(asyncApiDocument());
