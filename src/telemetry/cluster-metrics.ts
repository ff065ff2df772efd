import type { Worker } from 'node:cluster';
import cluster from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

/**
 * One /metrics for a set of processes (--processes N). Every process listens on the operator
 * port (SO_REUSEPORT), so a scrape reaches any one of them; each must answer for the whole set,
 * or a scraper would see counters jump between processes' values. The scraped process asks the
 * primary over the cluster's IPC channel; the primary gathers the registry of every process that
 * listens, sums them with prom-client's AggregatorRegistry.aggregate (counters and histograms
 * summed, gauges as each metric says) and sends the text back. The primary serves no traffic.
 *
 * The gathering is this file's own rather than prom-client's clusterMetrics(), which asks every
 * connected worker: a replacement still starting has no registry yet and would hold every
 * scrape until the 5 s timeout. Here only the processes that said they listen are asked.
 */

const ASK = 'gavel:metrics-ask';
const ANSWER = 'gavel:metrics-answer';
const COLLECT = 'gavel:metrics-collect';
const COLLECTED = 'gavel:metrics-collected';
/** a process that does not answer (stuck, or killed mid-scrape) fails the scrape after this */
const GATHER_TIMEOUT_MS = 5000;

type Json = MetricObjectWithValues<MetricValue<string>>[];
interface Ask {
  type: typeof ASK;
  id: number;
}
interface Answer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}
interface Collect {
  type: typeof COLLECT;
  id: number;
}
interface Collected {
  type: typeof COLLECTED;
  id: number;
  metrics?: Json;
  error?: string;
}

/** In a process of a set: answer the primary's gathering with this registry, and return how to read the set's metrics. */
export function joinClusterMetrics(registry: Registry): () => Promise<string> {
  let next = 0;
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (e: Error) => void }>();
  process.on('message', (m: Answer | Collect) => {
    if (m?.type === COLLECT) {
      const id = m.id;
      registry.getMetricsAsJSON().then(
        (metrics) => process.send!({ type: COLLECTED, id, metrics: metrics as Json } satisfies Collected),
        (e: Error) => process.send!({ type: COLLECTED, id, error: e.message } satisfies Collected),
      );
      return;
    }
    if (m?.type !== ANSWER) return;
    const w = waiting.get(m.id);
    if (w === undefined) return;
    waiting.delete(m.id);
    if (m.text !== undefined) w.resolve(m.text);
    else w.reject(new Error(m.error ?? 'no metrics'));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      // the primary gives up on a silent process first; this only covers a primary that never answers
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error("the primary did not answer with the set's metrics in time"));
      }, GATHER_TIMEOUT_MS + 1000);
      waiting.set(id, {
        resolve: (t) => (clearTimeout(timer), resolve(t)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      process.send!({ type: ASK, id } satisfies Ask);
    });
}

/** In the primary: answer every process's ask with the metrics of all the processes `listening` names, summed. */
export function serveClusterMetrics(listening: () => Iterable<Worker>): void {
  let next = 0;
  const gathering = new Map<number, { left: number; got: Json[]; done: (a: Omit<Answer, 'type' | 'id'>) => void }>();
  cluster.on('message', (worker, m: Ask | Collected) => {
    if (m?.type === COLLECTED) {
      const g = gathering.get(m.id);
      if (g === undefined) return;
      if (m.metrics === undefined) return g.done({ error: m.error ?? 'a process could not read its metrics' });
      g.got.push(m.metrics);
      if (--g.left === 0) g.done({ text: '' });
      return;
    }
    if (m?.type !== ASK) return;
    const reply = (a: Omit<Answer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: m.id, ...a } satisfies Answer);
    };
    const asked = [...listening()].filter((w) => w.isConnected());
    const id = next++;
    const timer = setTimeout(() => finish({ error: 'a process did not give its metrics in time' }), GATHER_TIMEOUT_MS);
    const got: Json[] = [];
    const finish = (a: Omit<Answer, 'type' | 'id'>): void => {
      if (!gathering.delete(id)) return;
      clearTimeout(timer);
      if (a.error !== undefined) return reply(a);
      AggregatorRegistry.aggregate(got).metrics().then(
        (text) => reply({ text }),
        (e: Error) => reply({ error: e.message }),
      );
    };
    gathering.set(id, { left: asked.length, got, done: finish });
    if (asked.length === 0) return finish({ text: '' });
    for (const w of asked) w.send({ type: COLLECT, id } satisfies Collect);
  });
}
