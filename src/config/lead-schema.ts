import { z } from 'zod';
import type { FieldSpec } from './campaign-schema.js';
import type { Detail } from '../core/codes.js';

export type Lead = Record<string, string | number | boolean>;

/** Digits only; a leading US country code is dropped so "+1 (555) 010-2000" and "5550102000" are one phone. */
export function normalisePhone(raw: string): string {
  const digits = raw.replace(/\D+/g, '');
  return digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
}

function fieldSchema(spec: FieldSpec): z.ZodType {
  switch (spec.type) {
    case 'string': {
      let s = z.string().max(spec.max_length);
      if (spec.pattern !== undefined) s = s.regex(new RegExp(spec.pattern), `must match ${spec.pattern}`);
      if (spec.enum !== undefined) return s.refine((v) => spec.enum!.includes(v), `must be one of ${spec.enum.join(', ')}`);
      return s;
    }
    case 'integer': {
      let n = z.int();
      if (spec.min !== undefined) n = n.min(spec.min);
      if (spec.max !== undefined) n = n.max(spec.max);
      return n;
    }
    case 'number': {
      let n = z.number().finite();
      if (spec.min !== undefined) n = n.min(spec.min);
      if (spec.max !== undefined) n = n.max(spec.max);
      return n;
    }
    case 'boolean':
      return z.boolean();
    case 'phone':
      return z
        .string()
        .max(32)
        .transform(normalisePhone)
        .refine((d) => d.length >= 10 && d.length <= 15, 'must be a phone number of 10 to 15 digits');
    case 'email':
      return z
        .string()
        .max(254)
        .transform((v) => v.trim().toLowerCase())
        .pipe(z.email('must be an email address'));
  }
}

/** Validators and projections of one campaign's leads, compiled once at start. */
export interface LeadSchema {
  /** a ping: required ping fields must be there; other known fields (PII for dedup) may be */
  parsePing(lead: unknown): { ok: true; lead: Lead } | { ok: false; details: Detail[] };
  /** a full lead: every required field */
  parseFull(lead: unknown): { ok: true; lead: Lead } | { ok: false; details: Detail[] };
  /** only the fields buyers may see in a ping; never PII */
  pingView(lead: Lead): Lead;
  /** every field but the personal ones: what a lead's trace keeps for replays (trace.record_fields) */
  recordView(lead: Lead): Lead;
  /** a stable text of the ping fields, to tell whether a post matches its ping */
  pingFingerprint(lead: Lead): string;
  readonly piiFields: readonly string[];
  readonly pingFields: ReadonlySet<string>;
}

function toDetails(error: z.ZodError): Detail[] {
  return error.issues.map((i) => ({
    path: ['lead', ...i.path.map(String)].join('.'),
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
}

export function compileLeadSchema(fields: Record<string, FieldSpec>): LeadSchema {
  const pingShape: Record<string, z.ZodType> = {};
  const fullShape: Record<string, z.ZodType> = {};
  const pingFields: string[] = [];
  const piiFields: string[] = [];
  for (const [name, spec] of Object.entries(fields)) {
    const base = fieldSchema(spec);
    fullShape[name] = spec.required ? base : base.optional();
    pingShape[name] = spec.required && spec.ping ? base : base.optional();
    if (spec.ping) pingFields.push(name);
    if (spec.pii) piiFields.push(name);
  }
  const ping = z.strictObject(pingShape);
  const full = z.strictObject(fullShape);
  const run = (schema: z.ZodType, lead: unknown) => {
    if (typeof lead !== 'object' || lead === null || Array.isArray(lead)) {
      return { ok: false as const, details: [{ path: 'lead', message: 'must be an object' }] };
    }
    const r = schema.safeParse(lead);
    return r.success ? { ok: true as const, lead: r.data as Lead } : { ok: false as const, details: toDetails(r.error) };
  };
  const pii = new Set(piiFields);
  return {
    parsePing: (lead) => run(ping, lead),
    parseFull: (lead) => run(full, lead),
    pingView(lead) {
      const out: Lead = {};
      for (const name of pingFields) if (lead[name] !== undefined) out[name] = lead[name]!;
      return out;
    },
    recordView(lead) {
      const out: Lead = {};
      for (const [name, value] of Object.entries(lead)) if (!pii.has(name)) out[name] = value;
      return out;
    },
    pingFingerprint(lead) {
      return JSON.stringify(pingFields.map((name) => lead[name] ?? null));
    },
    piiFields,
    pingFields: new Set(pingFields),
  };
}
