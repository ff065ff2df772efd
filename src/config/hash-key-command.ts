import { hashKey } from './keys.js';

/**
 * `gavel hash-key`: reads one key on stdin (a trailing newline is not part of it) and prints the
 * `sha256:…` form a config stores. Read from stdin so the key stays out of shell history and
 * `ps`; the key itself is never printed, not even in an error.
 */
export async function hashKeyCommand(input: NodeJS.ReadableStream, out: NodeJS.WritableStream): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const key = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  const problem = key.length < 16 ? 'a key has at least 16 characters' : /[\r\n]/.test(key) ? 'one key, on one line' : null;
  if (problem !== null) {
    process.stderr.write(`hash-key: ${problem} (read from stdin)\n`);
    return 1;
  }
  out.write(`${hashKey(key)}\n`);
  return 0;
}
