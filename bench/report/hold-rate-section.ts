import type { HoldOp, HoldRateFigures, HoldRateRun } from '../scenarios/hold-rate.js';
import type { CommandCount } from '../support/redis-stats.js';

const fixed = (x: number, digits = 2) => x.toFixed(digits);
const ratio = (x: number, base: number | undefined) => (base === undefined || base === 0 ? '-' : (x / base).toFixed(2));
/** Commands the runs send themselves, or the bench's own reads: not part of a script's work. */
const NOT_INSIDE = new Set(['evalsha', 'eval', 'set', 'info']);

/** Below this many calls per operation, a command is another client's, not the script's. */
const STRAY_CALLS_PER_OP = 0.01;

/** The runs of `op` Redis ran for us alone; all of them when there are none such. */
function cleanRuns(runs: readonly HoldRateRun[], op: HoldOp): HoldRateRun[] {
  const all = runs.filter((r) => r.op === op);
  const clean = all.filter((r) => r.disturbed.length === 0);
  return clean.length > 0 ? clean : all;
}

/** The commandstats of the clean runs of `op`, summed, and how many operations they were for. */
function profileOf(runs: readonly HoldRateRun[], op: HoldOp): { ops: number; commands: Map<string, CommandCount> } {
  const commands = new Map<string, CommandCount>();
  let ops = 0;
  for (const run of cleanRuns(runs, op)) {
    ops += run.ops;
    for (const [name, c] of run.commands) {
      const sum = commands.get(name) ?? { calls: 0, usec: 0 };
      commands.set(name, { calls: sum.calls + c.calls, usec: sum.usec + c.usec });
    }
  }
  return { ops: Math.max(1, ops), commands };
}

function rateTable(h: HoldRateFigures): string[] {
  const lines = [
    '| operation | in flight | ops/s | calls/s | ops/s vs SET | p50 ms/call | p99 ms/call | Redis CPU µs/op | Redis CPU vs SET | Redis in-command µs/op | client CPU µs/op | refused / errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const inFlight of h.settings.inFlight) {
    const base = h.runs.find((r) => r.op === 'SET' && r.inFlight === inFlight);
    for (const r of h.runs.filter((x) => x.inFlight === inFlight)) {
      const mark = r.disturbed.length > 0 ? ' *' : '';
      lines.push(
        `| ${r.op}${mark} | ${inFlight} | ${Math.round(r.opsPerSecond)} | ${Math.round(r.opsPerSecond * r.callsPerOp)} | ${ratio(r.opsPerSecond, base?.opsPerSecond)} | ` +
          `${fixed(r.p50Ms, 3)} | ${fixed(r.p99Ms, 3)} | ${fixed(r.redisCpuMicrosPerOp, 1)} | ${ratio(r.redisCpuMicrosPerOp, base?.redisCpuMicrosPerOp)} | ` +
          `${fixed(r.redisCommandMicrosPerOp)} | ${fixed(r.clientCpuMicrosPerOp, 1)} | ${r.refused} / ${r.errors} |`,
      );
    }
  }
  return lines;
}

/**
 * Where a hold's and a commit's time goes inside Redis, by the commands the script calls:
 * summed over every depth, since a command's cost per call does not depend on how many
 * clients wait. The commit is the pair less the hold.
 */
function profileTable(h: HoldRateFigures): string[] {
  const hold = profileOf(h.runs, 'hold');
  const pair = profileOf(h.runs, 'hold+commit');
  const per = (p: { ops: number; commands: Map<string, CommandCount> }, name: string) => {
    const c = p.commands.get(name) ?? { calls: 0, usec: 0 };
    return { calls: c.calls / p.ops, usec: c.usec / p.ops };
  };
  const names = [...new Set([...hold.commands.keys(), ...pair.commands.keys()])].filter((n) => !NOT_INSIDE.has(n));
  const rows = names
    .map((name) => ({ name, hold: per(hold, name), pair: per(pair, name) }))
    .filter((r) => r.hold.calls >= STRAY_CALLS_PER_OP || r.pair.calls >= STRAY_CALLS_PER_OP)
    .sort((a, b) => b.pair.usec - a.pair.usec);
  const lines = [
    '| command | calls / hold | µs / hold | calls / hold+commit | µs / hold+commit | calls / commit | µs / commit |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const row = (name: string, a: { calls: number; usec: number }, b: { calls: number; usec: number }, calls = true) =>
    lines.push(
      `| ${name} | ${calls ? fixed(a.calls) : ''} | ${fixed(a.usec)} | ${calls ? fixed(b.calls) : ''} | ${fixed(b.usec)} | ${calls ? fixed(b.calls - a.calls) : ''} | ${fixed(b.usec - a.usec)} |`,
    );
  const total = { hold: { calls: 0, usec: 0 }, pair: { calls: 0, usec: 0 } };
  for (const r of rows) {
    row(r.name.toUpperCase(), r.hold, r.pair);
    total.hold.calls += r.hold.calls;
    total.hold.usec += r.hold.usec;
    total.pair.calls += r.pair.calls;
    total.pair.usec += r.pair.usec;
  }
  const script = { hold: per(hold, 'evalsha'), pair: per(pair, 'evalsha') };
  const first = { hold: per(hold, 'eval'), pair: per(pair, 'eval') };
  script.hold.usec += first.hold.usec;
  script.pair.usec += first.pair.usec;
  row('**every call inside the script**', total.hold, total.pair);
  row('**EVALSHA as a whole** (Redis\' own timing)', { calls: 0, usec: script.hold.usec }, { calls: 0, usec: script.pair.usec }, false);
  row('**the rest: Lua, its arguments and reply**', { calls: 0, usec: script.hold.usec - total.hold.usec }, { calls: 0, usec: script.pair.usec - total.pair.usec }, false);
  const cpu = (op: HoldOp) => {
    const runs = cleanRuns(h.runs, op);
    const ops = runs.reduce((s, r) => s + r.ops, 0);
    return { calls: 0, usec: runs.reduce((s, r) => s + r.redisCpuMicrosPerOp * r.ops, 0) / Math.max(1, ops) };
  };
  row('**Redis process CPU** (sockets, parsing, the event loop included)', cpu('hold'), cpu('hold+commit'), false);
  return lines;
}

/** The hold-rate part of the report: its rates against SET, then where a hold's time goes. */
export function holdRateSection(h: HoldRateFigures): string[] {
  const set = cleanRuns(h.runs, 'SET');
  const setOps = set.reduce((s, r) => s + r.ops, 0);
  const setCommand = set.reduce((s, r) => s + r.redisCommandMicrosPerOp * r.ops, 0) / Math.max(1, setOps);
  const lines = [
    '',
    '### Cap scripts: holds and commits per second (lua/cap-hold-6.lua, lua/cap-commit-6.lua)',
    '',
    `One RedisStore (ioredis, auto-pipelining on, as Gavel runs it) in the bench process on the real Redis, under a key prefix of its own deleted after; ` +
      `${h.buyers} buyers, ${h.buyersText}; bids of $5 to $15. Callers in a closed loop, each starting its next operation when its last ends, ` +
      `${h.settings.durationS} s per row, each row on buyers of its own. "hold" is RedisStore.hold (limitsAt() of the buyer's rules, no purchase digests); ` +
      `"hold+commit" is a hold then commitHold of it, one caller's two calls in turn; "SET" is client.set of a fresh UUID, the cheapest round trip, same client. ` +
      'Latency is per call, at the client. Redis CPU is used_cpu_user + used_cpu_sys of the server over the row, per operation: the figure least moved by a ' +
      'noisy machine; "in-command" is the time Redis counted inside the commands sent (INFO commandstats), its own timers only. ' +
      'Client CPU is this process\'s, per operation. Rows marked * shared Redis with another client (see the notes).',
    '',
    ...rateTable(h),
    '',
    `Inside Redis, per operation, by the commands the script calls (INFO commandstats over every row of the operation not marked *, or every row when all are; ` +
      `a SET costs ${fixed(setCommand)} µs ` +
      'by the same count). Commit is the pair less the hold, so a command both make the same number of times can show a small ' +
      'difference either way: noise, not cost. Every row\'s buyers are new, so no rolling event is old enough to leave its window: ' +
      'the calls that take such events out, which a buyer pays on every call once its oldest events are 60 m old, are not in these figures.',
    '',
    ...profileTable(h),
  ];
  if (h.notes.length > 0 || h.problems.length > 0) lines.push('');
  for (const n of h.notes) lines.push(`- ${n}`);
  for (const p of h.problems) lines.push(`- PROBLEM: ${p}`);
  return lines;
}
