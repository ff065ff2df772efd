import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { openApiDocument } from '../spec/openapi-document.js';
import { refusedFraming } from './http-framing.js';
import { sendText, watch } from './respond.js';

/** GET /openapi.json on both listeners, no key needed: the document is written once, at start. */
export function openApiRoute(): (res: HttpResponse, req: HttpRequest) => void {
  const text = JSON.stringify(openApiDocument(), null, 2) + '\n';
  return (res, req) => {
    if (refusedFraming(res, req)) return;
    sendText(res, watch(res, 'json'), 200, 'application/json', text);
  };
}
