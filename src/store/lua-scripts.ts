import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LUA_DIR } from '../core/paths.js';

export interface LuaScript {
  /** camelCase of the file's name: buyer-caps-6.lua -> buyerCaps */
  name: string;
  numberOfKeys: number;
  lua: string;
}

/** Every lua/<name>-<numKeys>.lua, read once at start. */
export function loadLuaScripts(dir = LUA_DIR): LuaScript[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .map((file) => {
      const m = /^([a-z][a-z-]*)-(\d+)\.lua$/.exec(file);
      if (!m) throw new Error(`lua/${file}: a script's name must be name-<numKeys>.lua`);
      const name = m[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      return { name, numberOfKeys: Number(m[2]), lua: readFileSync(join(dir, file), 'utf8') };
    });
}
