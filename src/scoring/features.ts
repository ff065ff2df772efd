/**
 * A model's inputs, read off a lead by name: `age` is the field's number (a boolean is 1 or 0, a
 * numeric string its number), `state=CA` is 1 when the field equals CA and 0 when it differs,
 * `rules` is the share of the rules' points the lead won. NaN is a missing value: tree models
 * send it their trees' missing way, the logistic model counts it 0.
 */
export type Feature = (lead: Readonly<Record<string, unknown>>, rulesShare: number) => number;

function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : NaN;
  }
  return NaN;
}

export function compileFeature(name: string): Feature {
  if (name === 'rules') return (_lead, share) => share;
  const eq = name.indexOf('=');
  if (eq === -1) return (lead) => numberOf(lead[name]);
  const field = name.slice(0, eq);
  const value = name.slice(eq + 1);
  return (lead) => {
    const v = lead[field];
    return v === undefined || v === null ? NaN : String(v) === value ? 1 : 0;
  };
}
