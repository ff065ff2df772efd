import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/spec/openapi-document.js';

describe('the OpenAPI document', () => {
  it('describes the seller calls from the envelopes the exchange validates with', () => {
    const doc = openApiDocument();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/ping', '/v1/post', '/v1/leads', '/v1/admin/config', '/v1/admin/drafts/{id}/publish', '/v1/admin/keys']));
    const ping = doc.components.schemas.PingEnvelope as { properties: Record<string, unknown>; required?: string[] };
    expect(Object.keys(ping.properties)).toEqual(['campaign', 'lead', 'tmax_ms', 'test', 'sub_id']);
    expect(ping.required).toEqual(['campaign', 'lead']);
  });
});
