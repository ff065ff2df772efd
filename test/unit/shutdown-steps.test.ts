import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runShutdown, SHUTDOWN_ORDER, shutdownSteps, type ShutdownStepName } from '../../src/shutdown-steps.js';
import { createLogger } from '../../src/telemetry/logger.js';

describe('shutdown steps', () => {
  it('every step runs even when an earlier one throws or rejects, and each failure is logged with its step', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
    const ran: string[] = [];
    const failed = await runShutdown(
      [
        ['close connections', () => {
          ran.push('close connections');
          throw new TypeError('this.app.close is not a function');
        }],
        ['traces', async () => void ran.push('traces')],
        ['ledger drain', async () => {
          ran.push('ledger drain');
          throw new Error('ledger away');
        }],
        ['store', () => void ran.push('store')],
      ],
      createLogger([], 'info', sink),
    );
    expect(ran).toEqual(['close connections', 'traces', 'ledger drain', 'store']);
    expect(failed).toEqual(['close connections', 'ledger drain']);
    expect(lines.map((l) => [l.level, l.step, (l.err as { message: string }).message])).toEqual([
      [50, 'close connections', 'this.app.close is not a function'],
      [50, 'ledger drain', 'ledger away'],
    ]);
  });

  it('the order: sellers drained first, each part before the one it hands its work to, the store last', () => {
    const at = (name: ShutdownStepName) => SHUTDOWN_ORDER.indexOf(name);
    expect(new Set(SHUTDOWN_ORDER).size).toBe(SHUTDOWN_ORDER.length);
    expect(SHUTDOWN_ORDER[0]).toBe('drain');
    expect(at('close connections')).toBe(1);
    expect(SHUTDOWN_ORDER.at(-1)).toBe('store');
    // the calls still in flight during the drain reach buyers, score leads and record outcomes
    for (const used of ['buyer transports', 'accept rates', 'scoring pool'] as const) expect(at(used), used).toBeGreaterThan(at('close connections'));
    // upload rows running when the process stops reach buyers too, and record their outcomes through the rest
    for (const used of ['buyer transports', 'traces', 'sales'] as const) expect(at(used), used).toBeGreaterThan(at('uploads'));
    // a version taken while stopping would open buyer transports after they were closed
    expect(at('config versions')).toBeLessThan(at('buyer transports'));
    // [writer, what it writes into]
    const handovers: [ShutdownStepName, ShutdownStepName][] = [
      ['traces', 'report counts'],
      ['sales', 'sales queue'],
      ['sales queue', 'ledger writer'],
      ['ledger writer', 'ledger drain'],
      ['ledger drain', 'ledger'],
    ];
    for (const [from, to] of handovers) expect(at(from), `${from} before ${to}`).toBeLessThan(at(to));
  });

  it('shutdownSteps gives every step of the order its work, and runShutdown runs them in that order', async () => {
    const ran: string[] = [];
    const work = Object.fromEntries(SHUTDOWN_ORDER.map((name) => [name, () => void ran.push(name)])) as Record<ShutdownStepName, () => void>;
    const steps = shutdownSteps(work);
    expect(steps.map(([name]) => name)).toEqual([...SHUTDOWN_ORDER]);
    expect(await runShutdown(steps, createLogger([], 'silent'))).toEqual([]);
    expect(ran).toEqual([...SHUTDOWN_ORDER]);
  });
});
