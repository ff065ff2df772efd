import { expect, it } from 'vitest';
import { seal, unseal } from '../../src/core/sealed.js';

it('a sealed value opens with its secret and purpose only, never shows its text, and any change to it is refused', () => {
  const lead = JSON.stringify({ phone: '5551234567', email: 'ada@example.com' });
  const s = seal('secret-a', 'delivery', lead);
  expect(s).not.toContain('5551234567');
  expect(s).not.toContain('ada@');
  expect(unseal('secret-a', 'delivery', s)).toBe(lead);
  // two seals of one text differ (a fresh IV each)
  expect(seal('secret-a', 'delivery', lead)).not.toBe(s);
  expect(unseal('secret-b', 'delivery', s)).toBeNull();
  expect(unseal('secret-a', 'batch', s)).toBeNull();
  const parts = s.split('.');
  const body = Buffer.from(parts[3]!, 'base64url');
  body[0] = body[0]! ^ 1;
  expect(unseal('secret-a', 'delivery', [parts[0], parts[1], parts[2], body.toString('base64url')].join('.'))).toBeNull();
  expect(unseal('secret-a', 'delivery', 'not sealed')).toBeNull();
});
