import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Codes } from '../../src/core/codes.js';
import { ROOT } from '../../src/core/paths.js';

describe('reason codes', () => {
  it('the README table and the registry list the same codes, statuses and meanings', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('<!-- codes:start -->'), readme.indexOf('<!-- codes:end -->'));
    const rows = [...table.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (.+?) \|$/gm)].map((m) => [m[1], Number(m[2]), m[3]]);
    const registry = Object.entries(Codes).map(([code, c]) => [code, c.status, c.message]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows).toEqual(registry);
  });
});
