import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';

/**
 * uWebSockets.js, and whether its native binary is what loaded. The republished package falls
 * back, with only a console warning, to a slow pure-JS implementation when the binary for
 * this Node ABI fails to load; Gavel must never run on that unnoticed: it refuses to start
 * unless told to (--allow-uws-fallback), and then logs it loudly and /ready reports it
 * (test/e2e/native-uws.test.ts asserts the native one is in use; uws-fallback.test.ts the rest).
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

/** What the pure-JS fallback's app holds: a node http server and a ws server, where the native one has close(). */
interface FallbackApp {
  httpContext?: {
    http: import('node:http').Server | null;
    wsServer: { clients: Iterable<{ terminate(): void }> } | null;
  };
}

/**
 * Close every connection of an app, sockets included (keep-alive ones hold the process
 * otherwise): the native binding's App.close() (missing from its type definitions), or, on the
 * fallback, which has none, the same done through its http and ws servers.
 */
export function closeApp(app: UWS.TemplatedApp): void {
  const native = app as UWS.TemplatedApp & { close?: () => void };
  if (typeof native.close === 'function') return native.close();
  const context = (app as unknown as FallbackApp).httpContext;
  if (context === undefined) throw new Error('this uWebSockets.js app has no close() and is not the known fallback: its connections stay open');
  for (const socket of context.wsServer?.clients ?? []) socket.terminate();
  if (context.http !== null) {
    if (context.http.listening) context.http.close();
    context.http.closeAllConnections();
  }
}

/**
 * The listen option that makes a port this process's alone. uWS on Linux sets SO_REUSEPORT on
 * every listen socket by default, so without it a second process on the same port silently
 * shares the traffic. The binding exports the flag, its type definitions do not.
 */
export const LISTEN_EXCLUSIVE_PORT: number = (uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1;
