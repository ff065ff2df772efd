import type { TestBuyer } from './buyer-server.js';
import { uncoded } from './coded-answer.js';
import type { Sent } from './seller-traffic.js';

/**
 * Answer times are taken by the sellers, which share the test process's event loop with Gavel
 * (started in it), the proxies and the buyers, on 2 cores other test files keep busy: the time
 * before uWS hands Gavel the request and after it writes the answer is the client's, and
 * Gavel's deadline cannot see it. 100 ms covers that queueing on a loaded box; a hang, the
 * failure looked for, is seconds.
 */
export const CLIENT_MARGIN_MS = 100;
/**
 * On top of it, the longest stall of the process's event loop in the run (perf_hooks'
 * monitorEventLoopDelay): spawning a redis-server blocks it, and a busy box preempts it (30 to
 * 160 ms in eight runs with the load average at 6). A stall holds the clients' clocks as much
 * as Gavel's timers. Capped, so a real hang still fails.
 */
export const MAX_STALL_ALLOWANCE_MS = 300;

/**
 * Every answer's problems: no HTTP answer, not coded (src/core/codes.ts), an error code not in
 * `allowedErrors`, or later than `boundMs(path)` plus the margins above.
 */
export function answerProblems(sent: readonly Sent[], boundMs: (s: Sent) => number, allowedErrors: readonly string[], stallMs: number): string[] {
  const problems: string[] = [];
  const margin = CLIENT_MARGIN_MS + Math.min(stallMs, MAX_STALL_ALLOWANCE_MS);
  for (const s of sent) {
    if (s.status === 0) {
      problems.push(`${s.path}: no answer (${s.error})`);
      continue;
    }
    const wrong = uncoded(s.status, s.body);
    if (wrong) problems.push(`${s.path}: ${wrong}`);
    else if (s.status !== 200 && !allowedErrors.includes(s.body.error.code)) problems.push(`${s.path}: ${s.body.error.code}, not ${allowedErrors.join(' or ') || 'a normal answer'}`);
    const bound = boundMs(s) + margin;
    if (s.ms > bound) problems.push(`${s.path}: answered in ${s.ms.toFixed(1)} ms, over ${bound.toFixed(1)}: ${JSON.stringify(s.body)}`);
  }
  return problems;
}

/** How many times each lead's full data was posted, across the buyers' servers (by ping_id). */
export function postsPerLead(buyers: readonly TestBuyer[]): Map<string, number> {
  const posted = new Map<string, number>();
  for (const b of buyers) for (const p of b.posts) posted.set(p.body.ping_id as string, (posted.get(p.body.ping_id as string) ?? 0) + 1);
  return posted;
}
