import { within } from '../core/within.js';
import type { StoreHealth } from '../store/store.js';
import { UWS_NATIVE } from './uws.js';

/** /ready's answer: the store answers, uWS is native (or its fallback allowed), not draining. */
export async function readiness(store: StoreHealth, draining: boolean, uwsFallbackAllowed: boolean, configVersion: number): Promise<{ status: number; body: unknown }> {
  let storeOk = true;
  let storeError: string | undefined;
  const persistence = within(store.persistence(), 500, () => undefined).catch(() => 'unknown' as const);
  try {
    await within(store.ping(), 500, () => undefined);
  } catch (e) {
    storeOk = false;
    storeError = (e as Error).message;
  }
  // a Redis that keeps nothing on disk is reported, not counted against readiness: every
  // process shares that one Redis, so a balancer would take them all out at once for it
  const uwsOk = UWS_NATIVE || uwsFallbackAllowed;
  const ready = storeOk && uwsOk && !draining;
  return {
    status: ready ? 200 : 503,
    body: {
      ready,
      store: { kind: store.kind, ok: storeOk, persistence: await persistence, ...(storeError ? { error: storeError } : {}) },
      uws: { native: UWS_NATIVE, ...(UWS_NATIVE ? {} : { fallback_allowed: uwsOk }) },
      draining: draining,
      // the configuration version this process runs: every process behind a balancer should agree
      config_version: configVersion,
    },
  };
}
