import { describe, expect, it } from 'vitest';
import { startBuyer } from '../support/buyer-server.js';
import { call, cleanPrefix, fullLead, testConfig, testPrefix } from '../support/exchange.js';
import { spawnGavel, writeConfig } from '../support/process.js';

describe('SIGTERM', () => {
  it('stops accepting, finishes the auctions in flight, and exits 0', async () => {
    // the buyer takes 300 ms to accept a post: the direct post is in flight when SIGTERM lands
    const buyer = await startBuyer(() => ({ body: { bid: 5 } }), () => ({ body: { accepted: true }, delayMs: 300 }));
    const prefix = testPrefix();
    const g = await spawnGavel(writeConfig(testConfig([{ id: 'a', url: buyer.url }], {}, prefix)));
    try {
      const inFlight = call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
      await new Promise((r) => setTimeout(r, 100));
      g.child.kill('SIGTERM');
      const answer = await inFlight;
      expect(answer.body.status).toBe('sold');
      expect(await g.exited).toBe(0);
      await expect(fetch(`http://127.0.0.1:${g.port}/health`)).rejects.toThrow();
      expect(g.logs.some((l) => l.msg === 'gavel stopped')).toBe(true);
    } finally {
      g.child.kill('SIGKILL');
      await buyer.close();
      await cleanPrefix(prefix);
    }
  });
});
