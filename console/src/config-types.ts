/**
 * The configuration document and the admin API's answers as the Configuration pages read them
 * (README, "Live configuration and the admin API"; the server's zod schemas are in
 * src/versions/admin-schemas.ts and src/config/*-schema.ts). Only what the pages touch is typed:
 * every other key of an item is carried through untouched, so a save never drops what a form
 * does not show.
 */
export type Obj = Record<string, unknown>;
export type Scalar = string | number | boolean;

/** One field condition (src/rules/condition.ts): exactly one of the tests beside `field`. */
export interface Condition {
  field: string;
  equals?: Scalar;
  in?: Scalar[];
  not_in?: Scalar[];
  min?: number;
  max?: number;
  matches?: string;
  present?: boolean;
  within?: { miles: number; of: string };
}
/** A buyer's filter (src/rules/filter.ts): a condition, or all / any / not of filters, to any depth. */
export type Filter = Condition | { all: Filter[] } | { any: Filter[] } | { not: Filter };

/** A campaign's lead field (src/config/campaign-schema.ts FieldSpec). */
export interface FieldSpec {
  type: 'string' | 'integer' | 'number' | 'boolean' | 'phone' | 'email';
  pattern?: string;
  enum?: string[];
  min?: number;
  max?: number;
}

export type Section = 'campaigns' | 'buyers' | 'sellers';
export const SECTIONS: readonly Section[] = ['campaigns', 'buyers', 'sellers'];

export interface VersionHead {
  version: number;
  author: string;
  comment: string;
  published_at: string;
}
export interface LiveVersion extends VersionHead {
  document: Obj;
}
export interface Published extends VersionHead {
  live_here: boolean;
}
export interface Draft {
  id: string;
  document: Obj;
  base_version: number | null;
  author: string;
  updated_at: number;
}
export interface Problem {
  path: string;
  message: string;
}
export interface Change {
  path: string;
  before?: unknown;
  after?: unknown;
}
export interface AuditEntry {
  id: number;
  at: string;
  who: string;
  what: string;
  detail: Obj;
}

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The items of a section of a document, each an object with its id. */
export function itemsOf(document: Obj, section: Section): Obj[] {
  const items = document[section];
  return Array.isArray(items) ? items.filter(isObj) : [];
}
