import { compareFiles } from './compare.js';
import { scenarioMain } from './scenario-command.js';
import { suiteMain } from './suite.js';

/**
 * `npm run bench`: the whole suite (bench/suite.ts); `npm run bench -- <scenario> …`: one
 * scenario file (bench/scenario-command.ts); `npm run bench -- compare a.json b.json`: two of
 * its reports side by side.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === 'compare') {
    if (args.length !== 3) throw new Error('usage: npm run bench -- compare a.json b.json');
    return void console.log(compareFiles(args[1]!, args[2]!));
  }
  if (args[0] !== undefined && !args[0].startsWith('-')) return scenarioMain(args[0], args.slice(1));
  return suiteMain(args);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
