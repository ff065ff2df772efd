import Mustache from 'mustache';
import { fromMicros } from '../core/money.js';

/** What a sold lead's delivery carries, opened from its sealed queue entry. */
export interface SoldLeadData {
  lead_id: string;
  buyer: string;
  campaign: string;
  price_micros: number;
  grade: string | null;
  test: boolean;
  /** epoch ms of the accept */
  at: number;
  /** the whole lead, personal fields included */
  lead: Readonly<Record<string, unknown>>;
}

/**
 * What a buyer's templates can name: `{{lead.<field>}}`, `{{lead_id}}`, `{{campaign}}`,
 * `{{buyer}}`, `{{price}}` (in the config's unit: 12.5), `{{grade}}`, `{{test}}`, `{{sold_at}}`
 * (ISO), and `{{#fields}}{{name}}: {{value}}{{/fields}}` for every field of the lead in turn.
 * Never the seller: a buyer is not told who sold it the lead.
 */
export interface LeadView {
  lead: Readonly<Record<string, unknown>>;
  lead_id: string;
  campaign: string;
  buyer: string;
  price: number;
  grade: string | null;
  test: boolean;
  sold_at: string;
  fields: { name: string; value: string }[];
}

export function leadView(d: SoldLeadData): LeadView {
  return {
    lead: d.lead,
    lead_id: d.lead_id,
    campaign: d.campaign,
    buyer: d.buyer,
    price: fromMicros(d.price_micros),
    grade: d.grade,
    test: d.test,
    sold_at: new Date(d.at).toISOString(),
    fields: Object.entries(d.lead).map(([name, value]) => ({ name, value: typeof value === 'string' ? value : JSON.stringify(value) })),
  };
}

/** A body with no template of its own: every field of the lead, one a line. */
export const DEFAULT_TEXT = 'Lead {{lead_id}} ({{campaign}}), bought at {{price}} on {{sold_at}}\n\n{{#fields}}{{name}}: {{value}}\n{{/fields}}';

const plain = { escape: (v: unknown) => String(v) };

/** A text template (a subject, a text body): values as they are. */
export function renderText(template: string, view: LeadView): string {
  return Mustache.render(template, view, undefined, plain);
}

/** An HTML template: every value HTML-escaped (the schema refuses the unescaped forms). */
export function renderHtml(template: string, view: LeadView): string {
  return Mustache.render(template, view);
}
