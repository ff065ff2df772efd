import { describe, expect, it } from 'vitest';
import { UWS_BINARY, UWS_NATIVE } from '../../src/front/uws.js';
import { testConfig } from '../support/exchange.js';
import { spawnGavel, writeConfig } from '../support/process.js';

describe('uWebSockets.js', () => {
  it('runs on its native binary, not the pure-JS fallback', () => {
    expect(UWS_BINARY).toMatch(/uws_linux_x64_\d+\.node$|uws_\w+_\w+_\d+\.node$/);
    expect(UWS_NATIVE).toBe(true);
  });

  it('a server on the fallback says so loudly and reports not ready', async () => {
    const config = { ...testConfig([]), redis: undefined };
    const g = await spawnGavel(writeConfig(config), { UWS_USE_FALLBACK: '1' });
    try {
      const fatal = g.logs.find((l) => l.level === 60);
      expect(String(fatal?.msg)).toMatch(/NATIVE BINARY NOT LOADED/);
      const res = await fetch(`http://127.0.0.1:${g.port}/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ready: false, uws: { native: false } });
    } finally {
      g.child.kill('SIGKILL');
    }
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
