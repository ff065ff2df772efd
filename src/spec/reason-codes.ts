/**
 * The reason codes as they appear in the published document: one enum, each value with its
 * HTTP status and meaning, read from the same table the exchange answers with so the two cannot drift.
 */
import { Codes, type Code } from '../core/codes.js';

export interface ReasonCodeSchema {
  type: 'string';
  enum: Code[];
  'x-codes': Record<string, { status: number; description: string }>;
}

export function reasonCodeSchema(): ReasonCodeSchema {
  const names = Object.keys(Codes) as Code[];
  const meanings: ReasonCodeSchema['x-codes'] = {};
  for (const name of names) meanings[name] = { status: Codes[name].status, description: Codes[name].message };
  return { type: 'string', enum: names, 'x-codes': meanings };
}
