/**
 * The operator console's own feeds (operator listener): the live market as Server-Sent Events
 * and the facts its pages draw with. The console's pages (/console/) and the parties' portal
 * (/portal/) are static files; their data comes from the APIs the other groups document.
 */
import { ConsoleFactsSchema, MarketSampleSchema } from '../protocol/console-api.js';
import { answerSchema, errorAnswer, jsonAnswer, ref, SERVERS, type PathGroup, type SendHints } from './spec-parts.js';

const operatorOnly = errorAnswer("FORBIDDEN: a seller's or a buyer's key (or session): the console is the operator's");

export function consolePaths(): PathGroup {
  return {
    tag: { name: 'console', description: "The operator console's feeds: the live market, pushed each second, and the facts its pages draw with" },
    paths: {
      '/v1/console/market': {
        get: {
          operationId: 'consoleMarket',
          tags: ['console'],
          summary: 'The live market, one sample a second, as Server-Sent Events',
          description:
            "An event stream (text/event-stream): each second an event `sample` whose data is a MarketSample (JSON), the first at once. Pings/s, fill, the auction's p50 and p99 and each buyer's pings/s, latency and timeouts are over the last second; a buyer's bid and win rates over the last 30 seconds. The counters are sampled only while someone watches. The operator listener, with the operator's key or console session only.",
          servers: [SERVERS.operator],
          security: [{ bearer: [] }, { session: [] }],
          responses: {
            '200': {
              description: 'The stream: `event: sample` and `data: <MarketSample JSON>`, a blank line after each',
              content: { 'text/event-stream': { schema: { type: 'string' }, 'x-event-data': ref('MarketSample') } },
            },
            '401': errorAnswer('UNAUTHORIZED: no key or session, or an unknown one'),
            '403': operatorOnly,
          },
        },
      },
      '/v1/console/campaigns': {
        get: {
          operationId: 'consoleFacts',
          tags: ['console'],
          summary: "The live campaigns' deadlines, and the first run's demo market when one runs",
          description:
            "Each live campaign's tmax_ms, max_tmax_ms and post_tmax_ms, which the console draws a lead's timeline against (a trace records times from receipt, not the deadline it ran under), and `demo`: the first run's simulated market (its seller, its pace, what each simulated buyer is made to do), null on an exchange with no demo. The operator listener, with the operator's key or console session only.",
          servers: [SERVERS.operator],
          security: [{ bearer: [] }, { session: [] }],
          responses: {
            '200': jsonAnswer('The facts', ref('ConsoleFacts'), {
              console_facts: { summary: 'One campaign, no demo', value: { campaigns: [{ id: 'auto', tmax_ms: 150, max_tmax_ms: 1000, post_tmax_ms: 10000 }], demo: null } },
            }),
            '401': errorAnswer('UNAUTHORIZED: no key or session, or an unknown one'),
            '403': operatorOnly,
          },
          'x-send': { key: 'operator', examples: { console_facts: { listener: 'operator' } } } satisfies SendHints,
        },
      },
    },
    schemas: { MarketSample: answerSchema(MarketSampleSchema), ConsoleFacts: answerSchema(ConsoleFactsSchema) },
  };
}
