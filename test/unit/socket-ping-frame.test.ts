import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { BuyerRuntime } from '../../src/config/runtime.js';
import { fanOut } from '../../src/auction/fan-out.js';
import { OutFrame, SocketBuyerTransport } from '../../src/buyers/socket-transport.js';

describe('socket buyers: one frame per auction', () => {
  it('every socket buyer of an auction given the same time is sent the same frame object, encoded once per format', async () => {
    const sent: OutFrame[][] = [[], [], []];
    const transports = new Map<string, SocketBuyerTransport>();
    const buyers = [0, 1, 2].map((i) => {
      const t = new SocketBuyerTransport(`b${i}`, new Set(['auto']), () => undefined);
      t.attach({
        campaigns: null,
        send: (frame) => {
          sent[i]!.push(frame);
          const id = (JSON.parse(frame.text) as { id: number }).id;
          setImmediate(() => t.receive({ type: 'bid', id, bid: 2 + i }));
        },
      });
      transports.set(`b${i}`, t);
      return { id: `b${i}`, config: { timeout_ms: i === 2 ? 50 : 100 } } as unknown as BuyerRuntime;
    });
    const body = '{"ping_id":"p-1","campaign":"auto","test":false,"lead":{"zip":"90210"},"tmax_ms":';
    const results = await fanOut('auto', buyers, transports, body, performance.now() + 100);
    expect(results.map((r) => r.result.kind)).toEqual(['bid', 'bid', 'bid']);
    // b0 and b1 share a budget, so a frame; b2 was given less time, so its own
    expect(sent[0]![0]).toBe(sent[1]![0]);
    expect(sent[2]![0]).not.toBe(sent[0]![0]);
    expect(JSON.parse(sent[2]![0]!.text)).toMatchObject({ type: 'ping', ping_id: 'p-1', tmax_ms: 50 });
    expect(sent[0]![0]!.json()).toBe(sent[1]![0]!.json());
    expect(sent[0]![0]!.msgpack()).toBe(sent[0]![0]!.msgpack());
    // the next auction is a new frame with a new id
    await fanOut('auto', buyers, transports, body.replace('p-1', 'p-2'), performance.now() + 100);
    expect(sent[0]![1]).not.toBe(sent[0]![0]);
    expect(JSON.parse(sent[0]![1]!.text).id).not.toBe(JSON.parse(sent[0]![0]!.text).id);
  });
});
