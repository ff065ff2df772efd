import fc from 'fast-check';
import { fullLead } from './exchange.js';

/** Mostly the valid value, sometimes any JSON value, sometimes absent. */
function mostly<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 6, arbitrary: valid }, { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 1 }) }, { weight: 1, arbitrary: fc.constant(undefined) });
}
/** Mostly nothing, sometimes `some`. */
function sometimes<T>(some: fc.Arbitrary<T>, none: T): fc.Arbitrary<T> {
  return fc.oneof({ weight: 2, arbitrary: fc.constant(none) }, { weight: 1, arbitrary: some });
}
const LEAD_FIELDS = ['zip', 'state', 'age', 'name', 'phone', 'email'];

/** A valid full lead, then some of its fields dropped, retyped or replaced, and unknown ones added. */
export const nearValidLead = fc
  .record({
    drop: sometimes(fc.subarray(LEAD_FIELDS, { minLength: 1, maxLength: 2 }), []),
    replace: sometimes(fc.dictionary(fc.constantFrom(...LEAD_FIELDS), fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ unit: 'binary', maxLength: 40 })), { minKeys: 1, maxKeys: 2 }), {}),
    extra: sometimes(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 2 }), {}),
  })
  .map(({ drop, replace, extra }) => {
    const lead: Record<string, unknown> = { ...fullLead(), ...replace };
    for (const k of drop) delete lead[k];
    // defined, not assigned: a key such as __proto__ becomes a field, as a parser makes it
    for (const [k, v] of Object.entries(extra)) Object.defineProperty(lead, k, { value: v, enumerable: true, configurable: true, writable: true });
    return lead;
  });

/**
 * A seller's call: a route and its envelope around a near-valid lead, each field mostly valid,
 * sometimes anything or absent. Posts mostly name one of `pingIds` (live pings).
 */
export function sellerCalls(pingIds: readonly string[]): fc.Arbitrary<{ route: '/v1/ping' | '/v1/leads' | '/v1/post'; body: Record<string, unknown> }> {
  return fc.oneof(
    fc.record({
      route: fc.constantFrom('/v1/ping', '/v1/leads'),
      body: fc.record({
        campaign: mostly(fc.constant('auto')),
        lead: nearValidLead,
        tmax_ms: sometimes(fc.oneof(fc.integer({ min: -10, max: 2000 }), fc.double(), fc.string({ maxLength: 5 })), undefined),
        test: sometimes(fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 0 })), undefined),
        sub_id: sometimes(fc.oneof(fc.string({ maxLength: 150 }), fc.jsonValue({ maxDepth: 0 })), undefined),
      }),
    }),
    fc.record({
      route: fc.constant('/v1/post'),
      body: fc.record({ ping_id: mostly(fc.oneof(fc.constantFrom(...pingIds), fc.uuid())), lead: nearValidLead }),
    }),
  );
}
