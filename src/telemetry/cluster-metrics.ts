import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * One /metrics for a set of processes (--processes N). Every process listens on the operator
 * port (SO_REUSEPORT), so a scrape reaches any one of them; each must answer for the whole set,
 * or a scraper would see counters jump between processes' values. The scraped process asks the
 * primary over the cluster's IPC channel; the primary gathers every process's registry with
 * prom-client's AggregatorRegistry (counters and histograms summed, gauges as each metric says)
 * and sends the text back. The primary serves no traffic, so it is never the one scraped.
 */

const ASK = 'gavel:metrics-ask';
const ANSWER = 'gavel:metrics-answer';
/** a process killed mid-scrape never answers the primary: prom-client gives up after 5 s; this waits a little longer */
const ASK_TIMEOUT_MS = 6000;

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

/** In a process of a set: hand this registry to the primary's aggregation, and return how to read the set's metrics. */
export function joinClusterMetrics(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // constructing one installs prom-client's answer to the primary's requests in this process
  new AggregatorRegistry();
  let next = 0;
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (e: Error) => void }>();
  process.on('message', (m: Answer) => {
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
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the primary did not answer with the set\'s metrics in time'));
      }, ASK_TIMEOUT_MS);
      waiting.set(id, {
        resolve: (t) => (clearTimeout(timer), resolve(t)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      process.send!({ type: ASK, id } satisfies Ask);
    });
}

/** In the primary: answer every process's ask with the aggregated metrics of all of them. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, m: Ask) => {
    if (m?.type !== ASK) return;
    const reply = (a: Omit<Answer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: m.id, ...a } satisfies Answer);
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (e: Error) => reply({ error: e.message }),
    );
  });
}
