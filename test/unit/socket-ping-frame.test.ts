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
      const send = (frame: OutFrame) => {
        sent[i]!.push(frame);
        const id = (JSON.parse(frame.text) as { id: number }).id;
        setImmediate(() => t.receive({ type: 'bid', id, bid: 2 + i }));
        return true;
      };
      t.attach({ campaigns: null, send, queue: send });
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

  it('a ping waits on no abort listener: an answer after its time is counted late once, whether it comes before or after the sweep', async () => {
    let late = 0;
    const t = new SocketBuyerTransport('slow', new Set(['auto']), () => late++);
    const ids: number[] = [];
    const send = (frame: OutFrame) => ids.push((JSON.parse(frame.text) as { id: number }).id) > 0;
    t.attach({ campaigns: null, send, queue: send });
    const transports = new Map([['slow', t]]);
    const buyers = [{ id: 'slow', config: { timeout_ms: 20 } } as unknown as BuyerRuntime];
    const body = '{"ping_id":"p-3","campaign":"auto","test":false,"lead":{},"tmax_ms":';
    const [first] = await fanOut('auto', buyers, transports, body, performance.now() + 100);
    expect(first!.result).toMatchObject({ kind: 'pass', pass: 'TIMEOUT' });
    // past its time, before the sweep: taken as late, once
    t.receive({ type: 'bid', id: ids[0], bid: 4 });
    t.receive({ type: 'bid', id: ids[0], bid: 4 });
    expect(late).toBe(2); // the second is an answer to no call: late too
    // a second ping never answered is swept within a second of its time; an answer after that is late
    await fanOut('auto', buyers, transports, body.replace('p-3', 'p-4'), performance.now() + 100);
    expect(t.waiting).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(t.waiting).toBe(0);
    t.receive({ type: 'bid', id: ids[1], bid: 4 });
    expect(late).toBe(3);
    await t.close();
  });
});
