/**
 * The OpenAPI 3.1 document of Gavel's wire standard, generated from the zod schemas the exchange
 * validates with (zod writes the JSON Schema itself), so it cannot drift from the code. Each API
 * is a path group of its own file (seller-paths.ts, party-paths.ts, operator-paths.ts,
 * admin-paths.ts, buyer-webhooks.ts); a new API is one more group in GROUPS.
 */
import { buyerWebhooks } from './buyer-webhooks.js';
import { operatorPaths } from './operator-paths.js';
import { partyPaths } from './party-paths.js';
import { uploadPaths } from './upload-paths.js';
import { reasonCodeSchema } from './reason-codes.js';
import { sellerPaths } from './seller-paths.js';
import { adminPaths } from './admin-paths.js';
import { consolePaths } from './console-paths.js';
import { ref, SERVERS, type PathGroup } from './spec-parts.js';

const GROUPS: readonly (() => PathGroup)[] = [sellerPaths, partyPaths, uploadPaths, operatorPaths, adminPaths, consolePaths, buyerWebhooks];

export function openApiDocument() {
  const paths: Record<string, unknown> = {};
  const webhooks: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const tags: PathGroup['tag'][] = [];
  for (const make of GROUPS) {
    const g = make();
    tags.push(g.tag);
    for (const [into, from] of [
      [paths, g.paths],
      [webhooks, g.webhooks],
      [schemas, g.schemas],
    ] as const) {
      for (const [name, value] of Object.entries(from ?? {})) {
        // two groups may share a path (a seller's POST /v1/leads, a party's GET), never a method
        // of it nor a schema's name: a silent overwrite would drop half an API
        if (into === paths && name in into) {
          const item = into[name] as Record<string, unknown>;
          for (const [method, op] of Object.entries(value as Record<string, unknown>)) {
            if (method in item) throw new Error(`the published document: ${method} ${name} is defined by two path groups`);
            item[method] = op;
          }
          continue;
        }
        if (name in into) throw new Error(`the published document: ${name} is defined by two path groups`);
        into[name] = value;
      }
    }
  }
  // the error body's code is the one registry's enum, with each code's status and meaning
  const error = schemas.Error as { properties: { error: { properties: Record<string, unknown> } } };
  error.properties.error.properties.code = ref('ReasonCode');
  schemas.ReasonCode = reasonCodeSchema();
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gavel',
      version: '1',
      summary: 'A real-time ping/post lead exchange',
      description:
        "Gavel's wire standard: the seller API, the parties' own APIs (lead traces, returns, reports), health, readiness and metrics, and, as webhooks, what Gavel sends out: the native buyer protocol, sellers' postbacks, buyers' loss notices and the copies of leads bought sent to a buyer's webhook. Every operation says which listener serves it (servers). Keys go in Authorization: Bearer <key>. Every refusal is {\"error\": {code, message, details}} with a code from ReasonCode; a route that does not exist is 404 NOT_FOUND, a route asked with a method it does not serve 405 METHOD_NOT_ALLOWED. Examples: a request example and the answer it gets share a name, and x-send says which key and listener each is sent with (test/e2e/openapi-contract.test.ts sends every one to a running exchange). The sockets are in asyncapi.json; a seller's own campaigns, with their fields, are at GET /v1/spec.",
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [SERVERS.public, SERVERS.operator],
    tags,
    paths,
    webhooks,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: "A seller's, a buyer's or the operator's API key" },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'gavel_console',
          description: 'A browser session from POST /v1/session: gavel_console on the operator listener, gavel_session on the public one (a state-changing call with it must come from the same origin)',
        },
      },
      schemas,
    },
  };
}
