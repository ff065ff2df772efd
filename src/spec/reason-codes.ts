/**
 * The reason codes as they appear in the published document: one enum, each value with its
 * HTTP status and meaning, read from the same table the exchange answers with so the two cannot
 * drift. The meaning is in the schema itself (oneOf: const and description, which any JSON Schema
 * tool shows), and again as x-codes for tools that read a code's status.
 */
import { Codes, type Code } from '../core/codes.js';

export interface ReasonCodeSchema {
  type: 'string';
  description: string;
  enum: Code[];
  oneOf: { const: Code; description: string }[];
  'x-codes': Record<string, { status: number; description: string }>;
}

export function reasonCodeSchema(): ReasonCodeSchema {
  const names = Object.keys(Codes) as Code[];
  const meanings: ReasonCodeSchema['x-codes'] = {};
  for (const name of names) meanings[name] = { status: Codes[name].status, description: Codes[name].message };
  return {
    type: 'string',
    description: 'Every code a seller, a buyer or the operator can see (src/core/codes.ts). A 200 code is an auction or post outcome inside a normal answer; the others come in an error body with their HTTP status.',
    enum: names,
    oneOf: names.map((name) => ({ const: name, description: `HTTP ${Codes[name].status}: ${Codes[name].message}` })),
    'x-codes': meanings,
  };
}
