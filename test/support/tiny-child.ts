import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A tiny server run with `node -e <source> <args>`, as the generators' tests start them: it
 * prints its port on its first line, and on SIGUSR2 one JSON line of what it took. Killed by
 * `kill` (each test file's afterAll).
 */
export interface TinyChild<T> {
  url: string;
  pid: number;
  /** what it took since the last call (it prints it, then forgets it) */
  took(): Promise<T>;
}

const children: ChildProcess[] = [];

export function killTinyChildren(): void {
  for (const c of children.splice(0)) c.kill('SIGKILL');
}

export async function startTinyChild<T>(source: string, args: string[] = [], cwd?: string): Promise<TinyChild<T>> {
  const child = spawn(process.execPath, ['-e', source, ...args], { stdio: ['ignore', 'pipe', 'inherit'], ...(cwd !== undefined ? { cwd } : {}) });
  children.push(child);
  const lines: ((line: string) => void)[] = [];
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.shift()?.(line);
    }
  });
  const next = () => new Promise<string>((resolve) => lines.push(resolve));
  const port = Number(await next());
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    took: async () => {
      const line = next();
      child.kill('SIGUSR2');
      return JSON.parse(await line) as T;
    },
  };
}
