import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runShutdown } from '../../src/shutdown-steps.js';
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
});
