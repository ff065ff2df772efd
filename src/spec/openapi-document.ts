/**
 * The OpenAPI 3.1 document of the seller API, generated from the zod schemas the exchange
 * validates with (zod writes the JSON Schema itself), so the document cannot drift from the code.
 */
import { z } from 'zod';
import { LeadsEnvelope, PingEnvelope, PostEnvelope } from '../protocol/seller-api.js';
import { reasonCodeSchema } from './reason-codes.js';
import { adminPaths, adminSchemas } from './admin-paths.js';

// the lead is checked by a custom rule (its campaign's own schema comes later): written as an object
const asJson = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { $ref: '#/components/schemas/ReasonCode' },
        message: { type: 'string' },
        details: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  },
};

function sellerCall(summary: string, envelope: string) {
  return {
    post: {
      summary,
      security: [{ bearer: [] }],
      parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } }],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${envelope}` } } } },
      responses: {
        '200': { description: 'The answer (an auction outcome code travels here with 200)' },
        '400': { description: 'The body or the lead was refused', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        '401': { description: 'No key, or an unknown key', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
  };
}

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: { title: 'Gavel', version: '1' },
    paths: {
      '/v1/ping': sellerCall('Ping: offer a partial lead to the buyers', 'PingEnvelope'),
      '/v1/post': sellerCall('Post: send the full lead to the winner of a ping', 'PostEnvelope'),
      '/v1/leads': sellerCall('Direct post: auction and sell a full lead in one call', 'LeadsEnvelope'),
      ...adminPaths(),
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        PingEnvelope: asJson(PingEnvelope),
        PostEnvelope: asJson(PostEnvelope),
        LeadsEnvelope: asJson(LeadsEnvelope),
        ReasonCode: reasonCodeSchema(),
        Error: errorBody,
        ...adminSchemas(),
      },
    },
  };
}
