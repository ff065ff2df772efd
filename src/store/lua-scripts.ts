import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LUA_DIR } from '../core/paths.js';

export interface LuaScript {
  /** camelCase of the file's name: cap-hold-6.lua -> capHold */
  name: string;
  numberOfKeys: number;
  /** the script with every include spliced in: what Redis runs */
  lua: string;
}

/** `--- @include "lib/name"` on a line of its own: replaced by lua/lib/name.lua (bullmq's notation). */
const INCLUDE = '^--- @include "([^"]+)"[ \\t]*$';

/**
 * Every lua/<name>-<numKeys>.lua, read once at start, its includes spliced in. Files under lua/lib/
 * are code the scripts share, not scripts: they are only ever included.
 */
export function loadLuaScripts(dir = LUA_DIR): LuaScript[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.lua'))
    .map(({ name: file }) => {
      const m = /^([a-z][a-z-]*)-(\d+)\.lua$/.exec(file);
      if (!m) throw new Error(`lua/${file}: a script's name must be name-<numKeys>.lua`);
      const name = m[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      return { name, numberOfKeys: Number(m[2]), lua: withIncludes(dir, file.slice(0, -'.lua'.length), readFileSync(join(dir, file), 'utf8')) };
    });
}

/**
 * `text` (the file `from`, relative to `dir`, without .lua) with each include replaced by the
 * included file, itself expanded. A file is spliced in once per script (a second include of it is
 * dropped: its functions are already defined); a file that includes itself, directly or through
 * others, is an error, as is an include of a file that does not exist.
 */
function withIncludes(dir: string, from: string, text: string, included = new Set<string>(), chain: string[] = [from]): string {
  // a RegExp of its own per call: a global one carries state (lastIndex) across the recursion
  return text.replace(new RegExp(INCLUDE, 'gm'), (_, target: string) => {
    if (chain.includes(target)) throw new Error(`lua/${chain[0]}.lua: include cycle ${[...chain, target].map((c) => `lua/${c}.lua`).join(' -> ')}`);
    if (included.has(target)) return `-- lua/${target}.lua: included above`;
    let body: string;
    try {
      body = readFileSync(join(dir, `${target}.lua`), 'utf8');
    } catch (e) {
      throw new Error(`lua/${from}.lua includes "${target}", but lua/${target}.lua cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const expanded = withIncludes(dir, target, body, included, [...chain, target]);
    // marked only once it is in, so the files it includes come before it
    included.add(target);
    return `-- lua/${target}.lua\n${expanded.trimEnd()}\n-- end of lua/${target}.lua`;
  });
}
