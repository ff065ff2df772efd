import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/core/paths.js';

function gavel(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/src/main.js'), ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** every flag and variable in the README's "from the environment" table, as it names them */
function readmeNames(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| from the environment |'));
  const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
  const names = rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
  expect(names.length).toBeGreaterThan(8);
  return names;
}

describe('the command line', () => {
  it('--help prints the usage, naming every flag and variable the README lists, and exits 0', () => {
    const r = gavel('--help');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.stdout).toMatch(/^Usage: gavel/);
    for (const name of readmeNames()) expect(r.stdout, name).toContain(name.split(/[ =]/)[0]);
  });

  it("--version prints package.json's version and exits 0", () => {
    const r = gavel('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
  });

  it('an unknown flag gets the usage on stderr and exit 2, nothing started', () => {
    const r = gavel('--prot', '8080');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gavel: Unknown option '--prot'/);
    expect(r.stderr).toContain('Usage: gavel');
    expect(r.stdout).toBe('');
  });

  it('a flag without its value is a usage error too', () => {
    const r = gavel('--port');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: gavel');
  });
});
