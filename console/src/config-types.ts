import type { z } from 'zod';
import type {
  AuditEntry as AuditEntrySchema,
  Changes,
  Draft as DraftSchema,
  Problems,
  Published as PublishedSchema,
  VersionHead as VersionHeadSchema,
  VersionWhole,
} from '../../src/versions/admin-schemas.js';

/**
 * The configuration document and the admin API's answers as the Configuration pages read them
 * (README, "Live configuration and the admin API"). The answers are the server's own schemas'
 * types (src/versions/admin-schemas.ts), so the pages cannot drift from them. Of the document,
 * only what the forms touch is typed here (the server's schemas, src/config/*-schema.ts, type
 * what they parse it into, not what is written): every other key of an item is carried through
 * untouched, so a save never drops what a form does not show.
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

/** The admin API's answers, as the server's own schemas say (types only: the bundle drops them). */
export type VersionHead = z.infer<typeof VersionHeadSchema>;
export type LiveVersion = z.infer<typeof VersionWhole>;
export type Published = z.infer<typeof PublishedSchema>;
export type Draft = z.infer<typeof DraftSchema>;
export type Problem = z.infer<typeof Problems>['problems'][number];
export type Change = z.infer<typeof Changes>['changes'][number];
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The items of a section of a document, each an object with its id. */
export function itemsOf(document: Obj, section: Section): Obj[] {
  const items = document[section];
  return Array.isArray(items) ? items.filter(isObj) : [];
}
