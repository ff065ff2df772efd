/** One sample of a Prometheus text exposition: `name{label="v",...} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePromText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of the samples of `name` whose labels include every pair of `match`. */
export function sumOf(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

export async function scrapeMetrics(baseUrl: string): Promise<Sample[]> {
  const res = await fetch(`${baseUrl}/metrics`);
  if (!res.ok) throw new Error(`GET ${baseUrl}/metrics: HTTP ${res.status}`);
  return parsePromText(await res.text());
}

/**
 * The upper bound of the histogram bucket that holds quantile `q` of the observations made
 * between two scrapes: "p99 <= 5 ms" is what a bucketed histogram can honestly say. `scale`
 * turns the bounds into the report's unit (1000: a `_seconds` histogram read in ms).
 */
export function bucketQuantile(before: readonly Sample[], after: readonly Sample[], histogram: string, q: number, scale = 1): string {
  // toPrecision: 0.035 * 1000 prints 35, not 35.00000000000001
  const shown = (le: string | undefined) => String(Number((Number(le) * scale).toPrecision(12)));
  const name = `${histogram}_bucket`;
  const count = (samples: readonly Sample[], le: string) => sumOf(samples, name, { le });
  const bounds = [...new Set(after.filter((s) => s.name === name).map((s) => s.labels.le!))].sort((a, b) => Number(a) - Number(b));
  const total = count(after, '+Inf') - count(before, '+Inf');
  if (total === 0) return 'n/a';
  for (const le of bounds) {
    if (count(after, le) - count(before, le) >= q * total) return le === '+Inf' ? `> ${shown(bounds[bounds.length - 2])}` : `<= ${shown(le)}`;
  }
  return 'n/a';
}
