import { describe, expect, it } from 'vitest';
import { Codes } from '../../src/core/codes.js';
import { openApiDocument } from '../../src/spec/openapi-document.js';

type Op = { servers?: { 'x-listener': string }[]; description?: string; responses: Record<string, unknown> };

describe('the OpenAPI document', () => {
  const doc = openApiDocument();
  const ops = Object.entries(doc.paths as Record<string, Record<string, Op>>).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));

  it('describes the seller calls from the envelopes the exchange validates with', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ping = doc.components.schemas.PingEnvelope as { properties: Record<string, unknown>; required?: string[] };
    expect(Object.keys(ping.properties)).toEqual(['campaign', 'lead', 'tmax_ms', 'test', 'sub_id']);
    expect(ping.required).toEqual(['campaign', 'lead']);
    // the answers too: the three ping outcomes and the two post outcomes, from their zod schemas
    const statuses = (name: string) => ((doc.components.schemas[name] as { oneOf: { properties: { status: { const: string } } }[] }).oneOf ?? []).map((s) => s.properties.status.const);
    expect(statuses('PingAnswer')).toEqual(['bid', 'no_bid', 'duplicate']);
    expect(statuses('PostAnswer')).toEqual(['sold', 'rejected']);
  });

  it('has the path groups, the admin API one of them', () => {
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/v1/admin/'))).toEqual([
      '/v1/ping',
      '/v1/post',
      '/v1/leads',
      '/v1/spec',
      '/v1/leads/{id}',
      '/v1/returns',
      '/v1/returns/{id}/approve',
      '/v1/returns/{id}/deny',
      '/v1/reports',
      '/v1/postbacks',
      '/v1/batches',
      '/v1/caps',
      '/v1/sales',
      '/v1/session',
      '/v1/uploads',
      '/v1/uploads/{id}',
      '/v1/uploads/{id}/results',
      '/health',
      '/ready',
      '/metrics',
      '/openapi.json',
      '/asyncapi.json',
      '/v1/console/market',
      '/v1/console/campaigns',
    ]);
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/v1/admin/'))).toEqual(expect.arrayContaining(['/v1/admin/config', '/v1/admin/drafts/{id}/publish', '/v1/admin/keys', '/v1/admin/processes']));
    expect(Object.keys(doc.webhooks)).toEqual(['buyerPing', 'buyerPost', 'sellerPostback', 'buyerLossNotice', 'buyerLeadCopy']);
  });

  it('says for every operation which listener serves it', () => {
    for (const { path, method, op } of ops) {
      expect(op.servers?.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const s of op.servers!) expect(['public', 'operator']).toContain(s['x-listener']);
      expect(op.description, `${method} ${path}`).toMatch(/listener/);
    }
  });

  it('documents every status the seller calls answer', () => {
    const statuses = (path: string) => Object.keys((doc.paths as Record<string, Record<string, Op>>)[path]!.post!.responses).sort();
    expect(statuses('/v1/ping')).toEqual(['200', '400', '401', '403', '409', '413', '415', '422', '429', '500', '503']);
    expect(statuses('/v1/post')).toEqual(['200', '400', '401', '403', '404', '409', '413', '415', '422', '500', '503']);
    expect(statuses('/v1/leads')).toEqual(['200', '400', '401', '403', '409', '413', '415', '422', '429', '500', '503']);
  });

  it('gives every reason code with its meaning, and errors refer to that one enum', () => {
    const codes = doc.components.schemas.ReasonCode as { enum: string[]; oneOf: { const: string; description: string }[] };
    expect(codes.enum).toEqual(Object.keys(Codes));
    for (const [name, c] of Object.entries(Codes)) expect(codes.oneOf).toContainEqual({ const: name, description: `HTTP ${c.status}: ${c.message}` });
    const error = doc.components.schemas.Error as { properties: { error: { properties: { code: unknown } } } };
    expect(error.properties.error.properties.code).toEqual({ $ref: '#/components/schemas/ReasonCode' });
  });
});
