import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * The schemas of a published document (OpenAPI 3.1 components, or anything with $refs into
 * itself), checked with ajv's JSON Schema 2020-12 validator: `check(ref, value)` is null when
 * `value` validates against the schema at `ref` (`#/components/schemas/PingAnswer`), else the
 * problems. The document's own keywords (x-codes, examples) are not JSON Schema: strict is off.
 */
export function documentSchemas(document: object): { check(ref: string, value: unknown): string[] | null; checkSchema(schema: object, value: unknown): string[] | null } {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  const id = 'gavel:document';
  ajv.addSchema({ ...document, $id: id } as object, id);
  const compiled = new Map<string, ReturnType<Ajv2020['compile']>>();
  const problems = (v: ReturnType<Ajv2020['compile']>, value: unknown) => (v(value) ? null : (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`));
  return {
    check(ref, value) {
      let v = compiled.get(ref);
      if (v === undefined) compiled.set(ref, (v = ajv.compile({ $ref: `${id}${ref}` })));
      return problems(v, value);
    },
    /** a schema inlined in the document (an operation's answer that is not a component) */
    checkSchema(schema, value) {
      return problems(ajv.compile(rebase(schema, id) as object), value);
    },
  };
}

/** local $refs made absolute, so a schema lifted out of the document still finds its components */
function rebase(schema: unknown, id: string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => rebase(s, id));
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `${id}${v}` : rebase(v, id)]));
}
