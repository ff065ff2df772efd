/** The IPC between frame-load.ts (the runner's side) and frame-load-child.ts (the generator). */

/** What one generator process runs: argv[2] of the child, as JSON. */
export interface FrameSpec {
  /** the server's base URL (http://host:port): the socket is `/v1/ws` on it */
  url: string;
  /** the seller's API key, sent as `authorization: Bearer` at the upgrade */
  key: string;
  /** a ping (`{"type":"ping",...}`) or a direct post of the full lead (`{"type":"lead",...}`) */
  route: 'ping' | 'leads';
  tmaxMs: number;
  /** calls in flight in this process, in total */
  connections: number;
  /** sockets they are spread over */
  sockets: number;
  durationS: number;
  /** this process sends the leads `first`, `first + stride`, `first + 2 stride`, …: several processes never share one */
  first: number;
  stride: number;
}

/** The runner's side: start the run (every process at once, once all are connected). */
export type FrameRequest = { type: 'go' };

export interface FrameCounts {
  /** answers read in the run, error answers included */
  requests: number;
  ok: number;
  /** error answers (`"type":"error"`): the socket's non-2xx */
  errors: number;
  /** sockets that failed or closed during the run (their calls in flight are lost) */
  socketErrors: number;
  /** answers whose id no call in flight had: a broken run */
  unmatched: number;
  /** from go to the end of the run, seconds */
  durationS: number;
  /** this process's CPU time over the run (user + system, every thread), µs */
  cpuMicros: number;
  /** each answer's latency, ms */
  latencies: Float64Array;
}

export type FrameMessage = { type: 'ready' } | { type: 'failed'; error: string } | ({ type: 'done' } & FrameCounts);
