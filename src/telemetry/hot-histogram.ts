import type { Metric, MetricValueWithName, Registry } from 'prom-client';

/** One label set's histogram, kept by its caller: `observe` finds a bucket and adds, nothing more. */
export interface HotObserver {
  observe(value: number): void;
}

interface Cell {
  labels: Record<string, string>;
  /** per bucket, not cumulative; the last is above every bound */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * A histogram observed per buyer per auction. prom-client's validates and hashes the label set on
 * every observation, even through `labels()`; here each label set is a cell its caller keeps,
 * and an observation is a bucket search and three additions. It registers as a metric of its
 * own and renders as prom-client's histograms do (`_bucket` with `le`, cumulative, then `+Inf`,
 * `_sum`, `_count`).
 */
export class HotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly cells: Cell[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    // the registry reads a metric through get() and reset() alone
    registry.registerMetric(this as unknown as Metric);
  }

  /** the observer of one label set: look it up once and keep it */
  cell(labels: Record<string, string>): HotObserver {
    const c: Cell = { labels, counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
    this.cells.push(c);
    const bounds = this.bounds;
    return {
      observe(value: number): void {
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        c.counts[i]!++;
        c.sum += value;
        c.count++;
      },
    };
  }

  /** what the registry renders: prom-client's shape for a histogram */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; values: MetricValueWithName<string>[]; aggregator: 'sum' }> {
    const values: MetricValueWithName<string>[] = [];
    for (const c of this.cells) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += c.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { le: this.bounds[i]!, ...c.labels }, value: acc });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...c.labels }, value: c.count });
      values.push({ metricName: `${this.name}_sum`, labels: c.labels, value: c.sum });
      values.push({ metricName: `${this.name}_count`, labels: c.labels, value: c.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }

  reset(): void {
    for (const c of this.cells) {
      c.counts.fill(0);
      c.sum = 0;
      c.count = 0;
    }
  }
}
