import { describe, expect, it } from 'vitest';
import { Codes } from '../../src/core/codes.js';
import { reasonCodeSchema } from '../../src/spec/reason-codes.js';

describe('reason codes in the published document', () => {
  it('lists every code with its status and meaning', () => {
    const schema = reasonCodeSchema();
    expect(schema.enum).toEqual(Object.keys(Codes));
    expect(schema['x-codes'].NO_BID).toEqual({ status: 200, description: Codes.NO_BID.message });
    expect(schema['x-codes'].MALFORMED_BODY?.status).toBe(400);
  });
});
