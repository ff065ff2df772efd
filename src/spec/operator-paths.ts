/**
 * What runs the exchange rather than trades on it: health and readiness (both listeners),
 * Prometheus metrics (operator listener), and the published documents themselves.
 */
import { Health, Readiness } from '../protocol/party-api.js';
import { answerSchema, errorAnswer, errorExample, jsonAnswer, ref, SERVERS, type PathGroup, type SendHints } from './spec-parts.js';

const both = [SERVERS.public, SERVERS.operator];

function document(name: 'openapi' | 'asyncapi') {
  const what = name === 'openapi' ? 'This OpenAPI 3.1 document' : 'The AsyncAPI 3.0 document of the seller socket /v1/ws and the buyer socket /v1/bidders/ws';
  return {
    get: {
      operationId: `${name}Document`,
      tags: ['operations'],
      summary: what,
      description: `${what}, as committed at the repository's root (${name}.json, written by npm run spec from the code's schemas). Both listeners, no key.`,
      servers: both,
      security: [],
      responses: { '200': jsonAnswer(what, { type: 'object', required: [name] }, { [`${name}_document`]: { summary: 'The document', value: { [name]: name === 'openapi' ? '3.1.0' : '3.0.0' } } }) },
      'x-send': { key: 'none', examples: { [`${name}_document`]: {}, [`${name}_document_operator`]: { listener: 'operator', answer: `${name}_document` } } } satisfies SendHints,
    },
  };
}

export function operatorPaths(): PathGroup {
  const ready = { ready: true, store: { kind: 'redis', ok: true, persistence: 'rdb' }, uws: { native: true }, draining: false, config_version: 1 };
  return {
    tag: { name: 'operations', description: 'Health, readiness, metrics and the published documents' },
    paths: {
      '/health': {
        get: {
          operationId: 'health',
          tags: ['operations'],
          summary: 'Liveness',
          description: '200 while the process runs. Both listeners, no key.',
          servers: both,
          security: [],
          responses: { '200': jsonAnswer('The process runs', ref('Health'), { health: { summary: 'Alive', value: { status: 'ok' } } }) },
          'x-send': { key: 'none', examples: { health: {}, health_operator: { listener: 'operator', answer: 'health' } } } satisfies SendHints,
        },
      },
      '/ready': {
        get: {
          operationId: 'ready',
          tags: ['operations'],
          summary: 'Readiness, for load balancers',
          description:
            "200 when the store answers and the native uWebSockets.js binary is loaded (or its fallback was allowed); 503 otherwise, and while draining. config_version is the configuration version this process runs, so an operator can see that every process agrees; store.persistence is reported, never counted against readiness. Both listeners, no key.",
          servers: both,
          security: [],
          responses: {
            '200': jsonAnswer('Ready', ref('Readiness'), { ready: { summary: 'Ready, on Redis', value: ready } }),
            '503': jsonAnswer('Not ready: the store does not answer, uWS is not native, or the process drains', ref('Readiness'), {
              not_ready: { summary: 'Redis away', value: { ...ready, ready: false, store: { kind: 'redis', ok: false, persistence: 'unknown', error: 'timed out' } } },
            }),
          },
          'x-send': { key: 'none', examples: { ready: {} } } satisfies SendHints,
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          tags: ['operations'],
          summary: 'Prometheus metrics',
          description:
            "The operator listener only (the public one answers 404): metrics name every buyer and count its bids. Served without a key to whoever reaches that listener (a scraper on a private network), or with the operator's key; a seller's or a buyer's key is 403 FORBIDDEN. README, Health, readiness and metrics, lists every series.",
          servers: [SERVERS.operator],
          security: [{}, { bearer: [] }],
          responses: {
            '200': { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' }, examples: { metrics: { summary: 'Some series', value: 'gavel_pings_total{campaign="auto",outcome="bid"} 1\n' } } } } },
            '401': errorAnswer('UNAUTHORIZED: an unknown key'),
            '403': errorAnswer("FORBIDDEN: a seller's or a buyer's key", { metrics_seller_key: errorExample("A seller's key", 'FORBIDDEN', "This listener serves the operator's key only; sellers and buyers use the public one") }),
            '404': errorAnswer('NOT_FOUND: asked of the public listener', { metrics_public: errorExample('On the public listener', 'NOT_FOUND', 'No route /metrics') }),
          },
          'x-send': { key: 'none', examples: { metrics: {}, metrics_seller_key: { key: 'seller' }, metrics_public: { listener: 'public' } } } satisfies SendHints,
        },
      },
      '/openapi.json': document('openapi'),
      '/asyncapi.json': document('asyncapi'),
    },
    schemas: { Health: answerSchema(Health), Readiness: answerSchema(Readiness) },
  };
}
