import { describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { openApiDocument } from '../../src/spec/openapi-document.js';
import { documentSchemas } from '../support/document-schemas.js';

type Media = Record<string, { schema: object; examples?: Record<string, { value: unknown }> }>;
interface Operation {
  parameters?: { name: string; schema: object; examples?: Record<string, { value: unknown }> }[];
  requestBody?: { content: Media };
  responses: Record<string, { content?: Media }>;
  'x-send'?: { examples?: Record<string, { raw?: true }> };
}

/** every operation of the document, paths and webhooks, with where it is */
function operations(doc: ReturnType<typeof openApiDocument>): [string, Operation][] {
  const out: [string, Operation][] = [];
  for (const [where, items] of [
    ['paths', doc.paths],
    ['webhooks', doc.webhooks],
  ] as const) {
    for (const [path, item] of Object.entries(items as Record<string, Record<string, Operation>>)) for (const [method, op] of Object.entries(item)) out.push([`${where} ${method.toUpperCase()} ${path}`, op]);
  }
  return out;
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(openApiDocument());
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has every example, request and answer, valid against the schema it illustrates', () => {
    const doc = openApiDocument();
    const schemas = documentSchemas(doc);
    const failures: string[] = [];
    let checked = 0;
    const check = (where: string, schema: object, value: unknown) => {
      checked++;
      const problems = schemas.checkSchema(schema, value);
      if (problems !== null) failures.push(`${where}: ${problems.join('; ')}`);
    };
    for (const [where, op] of operations(doc)) {
      for (const p of op.parameters ?? []) for (const [name, ex] of Object.entries(p.examples ?? {})) if (!/bad|not_found/.test(name)) check(`${where} parameter ${p.name} example ${name}`, p.schema, ex.value);
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        for (const [name, ex] of Object.entries(media.examples ?? {})) {
          // an example of a body the server refuses is sent to be refused: it illustrates the refusal, not the schema
          const refused = Object.entries(op.responses).some(([status, r]) => Number(status) >= 400 && Object.values(r.content ?? {}).some((m) => m.examples?.[name] !== undefined));
          if (!refused && op['x-send']?.examples?.[name]?.raw !== true) check(`${where} request ${type} example ${name}`, media.schema, ex.value);
        }
      }
      for (const [status, r] of Object.entries(op.responses)) for (const [type, media] of Object.entries(r.content ?? {})) for (const [name, ex] of Object.entries(media.examples ?? {})) check(`${where} ${status} ${type} example ${name}`, media.schema, ex.value);
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(40);
    // the check has teeth: a bid without its ping id, an unknown code, are refused
    expect(schemas.check('#/components/schemas/PingAnswer', { status: 'bid', price: 1, expires_at: '2026-11-22T12:00:00.000Z', bids: 1 })).not.toBeNull();
    expect(schemas.check('#/components/schemas/Error', { error: { code: 'NO_SUCH_CODE', message: 'x' } })).not.toBeNull();
  });
});
