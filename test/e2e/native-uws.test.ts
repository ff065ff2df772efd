import { describe, expect, it } from 'vitest';
import { UWS_BINARY, UWS_NATIVE } from '../../src/front/uws.js';
import { testConfig } from '../support/exchange.js';
import { spawnGavel, writeConfig } from '../support/process.js';

describe('uWebSockets.js', () => {
  it('runs on its native binary, not the pure-JS fallback', () => {
    expect(UWS_BINARY).toMatch(/uws_linux_x64_\d+\.node$|uws_\w+_\w+_\d+\.node$/);
    expect(UWS_NATIVE).toBe(true);
  });

  it('a server forced onto the fallback refuses to start unless allowed (test/e2e/uws-fallback.test.ts: allowed)', async () => {
    const config = { ...testConfig([]), redis: undefined };
    await expect(spawnGavel(writeConfig(config), { UWS_USE_FALLBACK: '1' })).rejects.toThrow(/exited with 1 before listening[\s\S]*NATIVE BINARY NOT LOADED/);
  });

  it('a normal server reports the native binary on /ready', async () => {
    const g = await spawnGavel(writeConfig({ ...testConfig([]), redis: undefined }));
    try {
      const res = await fetch(`http://127.0.0.1:${g.port}/ready`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ready: true, store: { kind: 'memory', ok: true }, uws: { native: true } });
    } finally {
      g.child.kill('SIGKILL');
    }
  });
});
