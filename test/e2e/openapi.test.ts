import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../src/core/paths.js';
import type { Gavel } from '../../src/gavel.js';
import { cleanPrefix, startExchange, stopExchange, testConfig, testPrefix } from '../support/exchange.js';

describe('GET /openapi.json and /asyncapi.json', () => {
  let g: Gavel;
  const prefix = testPrefix();
  beforeAll(async () => {
    g = await startExchange(testConfig([], {}, prefix));
  });
  afterAll(async () => {
    await stopExchange(g);
    await cleanPrefix(prefix);
  });

  for (const file of ['openapi.json', 'asyncapi.json']) {
    it(`serves ${file}, without a key, on both listeners, as committed at the root (npm run spec)`, async () => {
      const committed = readFileSync(join(ROOT, file), 'utf8');
      for (const port of [g.port, g.operatorPort]) {
        const res = await fetch(`http://127.0.0.1:${port}/${file}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/json');
        expect(await res.text()).toBe(committed);
      }
    });
  }
});
