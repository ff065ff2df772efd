import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/telemetry/logger.js';

describe('logs', () => {
  it('redact every PII field wherever a lead appears in a line', () => {
    const lines: string[] = [];
    const log = createLogger(['phone', 'email'], 'info', { write: (s: string) => void lines.push(s) });
    const lead = { zip: '90210', phone: '5550102000', email: 'ada@example.com' };
    log.info({ lead }, 'top level');
    log.info({ post: { lead } }, 'one deep');
    log.info({ answer: { body: { lead } } }, 'two deep');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toMatch(/5550102000|ada@example\.com/);
      expect(line).toMatch(/90210/);
      expect(line).toMatch(/\[PII\]/);
    }
  });

  it('show no key: an authorization header or a key field is redacted wherever it appears', () => {
    const lines: string[] = [];
    const log = createLogger([], 'info', { write: (s: string) => void lines.push(s) });
    log.info({ authorization: 'Bearer secret-key-0123456789' }, 'top level');
    log.info({ headers: { authorization: 'Bearer secret-key-0123456789', 'content-type': 'application/json' } }, 'headers');
    log.info({ req: { headers: { authorization: 'Bearer secret-key-0123456789' } } }, 'a request');
    log.info({ seller: { id: 'pub1', api_key: 'secret-key-0123456789' }, config: { admin_key: 'secret-key-0123456789' } }, 'config');
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).not.toMatch(/secret-key/);
      expect(line).toMatch(/\[KEY\]/);
    }
    expect(lines[1]).toMatch(/application\/json/);
  });
});
