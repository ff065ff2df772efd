import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (USER_HZ), in which /proc reports CPU time: asked once. */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

/**
 * A process's CPU time so far (user + system, every thread of it), seconds, from
 * /proc/<pid>/stat: read from outside, so measuring a server costs the server nothing (a
 * /metrics scrape would take its event loop) and counts its worker threads too.
 */
export function procCpuSeconds(pid: number): number {
  return ownCpuTicks(pid) / clockTicks();
}

/**
 * A process's CPU time and that of every process under it (a set's supervisor and its
 * workers), seconds. A process that ended meanwhile is no longer counted: read it over a run in
 * which none ends.
 */
export function procTreeCpuSeconds(pid: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // ended while the list was read
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid);
    if (list === undefined) children.set(ppid, [Number(name)]);
    else list.push(Number(name));
  }
  let ticks = 0;
  const visit = (p: number) => {
    try {
      ticks += ownCpuTicks(p);
    } catch {
      return; // ended meanwhile
    }
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return ticks / clockTicks();
}

function ownCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name is in parentheses and may hold spaces: count fields after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, 12th and 13th after the name
  return Number(fields[11]) + Number(fields[12]);
}
