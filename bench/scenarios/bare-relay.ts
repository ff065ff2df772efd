import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RelayMessage, RelayRequest } from './relay-messages.js';
import type { Scenario, ScenarioContext, Target } from './scenario.js';

const SERVER = fileURLToPath(new URL('./bare-relay-server.js', import.meta.url));

/** The baseline: the same buyers behind bare-relay-server.ts, in its own process as Gavel is. */
export const bareRelay: Scenario = {
  name: 'bare relay (uWS + undici, no logic)',
  async start(ctx: ScenarioContext): Promise<Target> {
    const child = fork(SERVER, [JSON.stringify(ctx.buyers.map((b) => b.pingUrl))], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let exitCode: number | null = null;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code) => {
        exitCode = code;
        resolve();
      }),
    );
    const replies: ((m: RelayMessage) => void)[] = [];
    child.on('message', (m: RelayMessage) => replies.shift()?.(m));
    const next = (request?: RelayRequest) =>
      new Promise<RelayMessage>((resolve, reject) => {
        replies.push(resolve);
        if (request !== undefined) child.send(request);
        void exited.then(() => reject(new Error(`bare relay exited (code ${exitCode})`)));
      });
    const ready = await next();
    if (ready.type !== 'ready') throw new Error('bare relay: unexpected first message');
    const { port, native } = ready;
    return {
      url: `http://127.0.0.1:${port}`,
      path: '/v1/ping',
      headers: { 'content-type': 'application/json' },
      mark: async () => undefined,
      async cpuSeconds() {
        const m = await next({ type: 'cpu' });
        return m.type === 'cpu' ? m.seconds : Number.NaN;
      },
      notes: async () => [],
      async stop() {
        const problems = native ? [] : ['uWebSockets.js native binary not loaded: the relay ran on the pure-JS fallback'];
        if (exitCode !== null) problems.push(`the relay died during the run (code ${exitCode})`);
        if (child.connected) child.disconnect();
        await exited;
        return problems;
      },
    };
  },
};
