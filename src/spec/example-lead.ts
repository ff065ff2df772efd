/**
 * An example lead for a campaign, made from its field specs: the value a seller would send for
 * each field. A pattern's example is generated from the pattern itself (randexp), with a PRNG
 * seeded by the campaign and field names, so one configuration always gives one example; the
 * caller checks the whole lead against the campaign's compiled schema before publishing it.
 */
import randexp from 'randexp';
import type { FieldSpec } from '../config/campaign-schema.js';

/** randexp is CommonJS whose types declare an ES default export: at run time the default import is the class itself */
const RandExp = randexp as unknown as typeof randexp.default;

/** mulberry32: a small seeded PRNG, so the example is the same at every call */
function prng(seedText: string): () => number {
  let seed = 0;
  for (const ch of seedText) seed = (Math.imul(seed, 31) + ch.charCodeAt(0)) | 0;
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** a few words a reader recognises, for fields with nothing else to go by */
const WORDS: Record<string, string> = { name: 'Ada Lovelace', first_name: 'Ada', last_name: 'Lovelace', city: 'Springfield', state: 'CA', address: '1 Main St', country: 'US' };

function stringExample(name: string, spec: FieldSpec, seed: string): string {
  if (spec.enum !== undefined) return spec.enum[0]!;
  if (spec.pattern !== undefined) {
    const gen = new RandExp(spec.pattern);
    const random = prng(seed);
    gen.randInt = (a: number, b: number) => a + Math.floor(random() * (b - a + 1));
    // an open repeat (* or +) stays short in an example
    gen.max = 3;
    return gen.gen().slice(0, spec.max_length);
  }
  return (WORDS[name] ?? 'example').slice(0, spec.max_length);
}

/** the middle of the field's range (an integer one rounded into it); a range with no integer in it has no good example, and the caller's check drops it */
function numberExample(spec: FieldSpec, integer: boolean): number {
  const lo = spec.min ?? (spec.max === undefined ? 0 : Math.min(0, spec.max - 100));
  const hi = spec.max ?? lo + 100;
  const mid = lo + (hi - lo) / 2;
  if (!integer) return mid;
  return Math.min(Math.floor(hi), Math.max(Math.ceil(lo), Math.round(mid)));
}

export function exampleValue(campaign: string, name: string, spec: FieldSpec): string | number | boolean {
  switch (spec.type) {
    case 'string':
      return stringExample(name, spec, `${campaign}.${name}`);
    case 'integer':
      return numberExample(spec, true);
    case 'number':
      return numberExample(spec, false);
    case 'boolean':
      return true;
    case 'phone':
      return '5550102000';
    case 'email':
      return 'ada@example.com';
  }
}

/** every field of the campaign with an example value, required or not */
export function exampleLead(campaign: string, fields: Record<string, FieldSpec>): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(fields).map(([name, spec]) => [name, exampleValue(campaign, name, spec)]));
}
