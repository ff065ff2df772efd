import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';

/**
 * uWebSockets.js, and whether its native binary is what loaded. The republished package falls
 * back, with only a console warning, to a slow pure-JS implementation when the binary for
 * this Node ABI fails to load; Gavel must never run on that unnoticed: the server logs it
 * loudly and /ready reports it (test/e2e/native-uws.test.ts asserts the native one is in use).
 */
const require = createRequire(import.meta.url);
export const uws = require('uWebSockets.js') as typeof UWS;

function binaryPath(): string | null {
  try {
    return require.resolve(`uWebSockets.js/binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
  } catch {
    return null;
  }
}

export const UWS_BINARY = binaryPath();
export const UWS_NATIVE: boolean = UWS_BINARY !== null && require.cache[UWS_BINARY]?.exports === uws;
