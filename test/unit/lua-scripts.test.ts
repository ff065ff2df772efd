import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LUA_DIR } from '../../src/core/paths.js';
import { LuaCodes } from '../../src/store/lua-codes.js';
import { loadLuaScripts } from '../../src/store/lua-scripts.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** a lua/ directory of the given files (path -> text) */
function luaDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gavel-lua-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe('the Lua loader', () => {
  it('splices each include in once, its own includes first, and registers only the scripts', () => {
    const dir = luaDir({
      'one-op-2.lua': 'local a = 1\n--- @include "lib/both"\n--- @include "lib/base"\nreturn a\n',
      'lib/base.lua': 'local function base() return 1 end\n',
      'lib/both.lua': '--- @include "lib/base"\nlocal function both() return base() end\n',
    });
    const scripts = loadLuaScripts(dir);
    expect(scripts.map((s) => [s.name, s.numberOfKeys])).toEqual([['oneOp', 2]]);
    const lua = scripts[0]!.lua;
    expect(lua).not.toContain('@include');
    expect(lua.match(/local function base/g)).toHaveLength(1);
    expect(lua.indexOf('local function base')).toBeLessThan(lua.indexOf('local function both'));
    expect(lua.startsWith('local a = 1\n')).toBe(true);
    expect(lua.trimEnd().endsWith('return a')).toBe(true);
  });

  it('refuses an include cycle, naming it', () => {
    const dir = luaDir({
      'loop-1.lua': '--- @include "lib/a"\nreturn 1\n',
      'lib/a.lua': '--- @include "lib/b"\n',
      'lib/b.lua': '--- @include "lib/a"\n',
    });
    expect(() => loadLuaScripts(dir)).toThrow('lua/loop-1.lua: include cycle lua/loop-1.lua -> lua/lib/a.lua -> lua/lib/b.lua -> lua/lib/a.lua');
  });

  it('refuses an include of a file that is not there, naming both', () => {
    const dir = luaDir({ 'miss-1.lua': '--- @include "lib/nowhere"\nreturn 1\n' });
    expect(() => loadLuaScripts(dir)).toThrow(/lua\/miss-1\.lua includes "lib\/nowhere", but lua\/lib\/nowhere\.lua cannot be read \(ENOENT\)/);
  });

  it("refuses a script whose name does not say its number of keys", () => {
    const dir = luaDir({ 'nokeys.lua': 'return 1\n' });
    expect(() => loadLuaScripts(dir)).toThrow("lua/nokeys.lua: a script's name must be name-<numKeys>.lua");
  });
});

describe("the project's scripts", () => {
  const scripts = loadLuaScripts();
  const file = (name: string) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-${scripts.find((s) => s.name === name)!.numberOfKeys}.lua`;

  it('each opens with its KEYS (as many as its name says), ARGV and returns', () => {
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) {
      const head = /^--\[\[([\s\S]*?)\]\]/.exec(readFileSync(join(LUA_DIR, file(s.name)), 'utf8'));
      expect(head, file(s.name)).not.toBeNull();
      for (let k = 1; k <= s.numberOfKeys; k++) expect(head![1], `${file(s.name)} KEYS[${k}]`).toContain(`KEYS[${k}]`);
      expect(head![1], `${file(s.name)} KEYS[${s.numberOfKeys + 1}]`).not.toContain(`KEYS[${s.numberOfKeys + 1}]`);
      expect(head![1], file(s.name)).toMatch(/ARGV/);
      expect(head![1], file(s.name)).toMatch(/Returns/);
    }
  });

  it('every script with codes has a table in lua-codes.ts, and its header lists every code of it', () => {
    for (const [name, codes] of Object.entries(LuaCodes)) {
      expect(scripts.map((s) => s.name), name).toContain(name);
      const head = /^--\[\[([\s\S]*?)\]\]/.exec(readFileSync(join(LUA_DIR, file(name)), 'utf8'))![1]!;
      const returns = head.slice(head.indexOf('Returns'));
      for (const code of Object.values(codes)) expect(returns, `${file(name)} returns ${code}`).toMatch(new RegExp(`(^|[\\s{])${code}(?![\\d])`, 'm'));
    }
  });
});
