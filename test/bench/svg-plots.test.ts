import { describe, expect, it } from 'vitest';
import { latencyHistogramSvg, latencyOverTimeSvg, niceCeiling } from '../../bench/report/svg-plots.js';
import { BUCKET_US, bucketOf, type LatencySummary } from '../../bench/support/open-loop.js';
import { attributeOf, parseXml, type XmlElement } from '../../src/buyers/templates/xml-read.js';

function all(el: XmlElement, name: string): XmlElement[] {
  return [...(el.name === name ? [el] : []), ...el.children.flatMap((c) => all(c, name))];
}

describe('the report plots', () => {
  it('buckets double from 100 µs; axes end on 1, 2 or 5 times a power of ten', () => {
    expect([1, 100, 101, 200, 201, 400, 1_000_000].map(bucketOf)).toEqual([0, 0, 1, 1, 2, 2, 14]);
    expect(BUCKET_US * 2 ** bucketOf(150_000)).toBeGreaterThanOrEqual(150_000);
    expect([0, 0.7, 1, 3, 7, 12, 180, 999].map(niceCeiling)).toEqual([1, 1, 1, 5, 10, 20, 200, 1000]);
  });

  it('latency over time: well-formed SVG, one line per percentile, one point per second, scaled to the axis', () => {
    const seconds: LatencySummary[] = [10, 20, 190, 15].map((max, i) => ({ count: 100, p50: 1 + i, p90: 5, p99: max / 2, p999: max, max, mean: 2 }));
    const doc = parseXml(latencyOverTimeSvg('a run', seconds));
    const lines = all(doc, 'polyline');
    expect(lines).toHaveLength(4);
    for (const l of lines) expect(attributeOf(l, 'points')!.split(' ')).toHaveLength(4);
    // the max line's third point (190 ms) sits at 95% of a 200 ms axis
    const max = attributeOf(lines[3]!, 'points')!.split(' ').map((p) => Number(p.split(',')[1]));
    const top = 28;
    const bottom = 320 - 40;
    expect((bottom - max[2]!) / (bottom - top)).toBeCloseTo(0.95, 2);
  });

  it('the histogram: one bar per bucket, heights as shares of the calls', () => {
    const doc = parseXml(latencyHistogramSvg('a run', [50, 30, 0, 20]));
    const bars = all(doc, 'rect').slice(1); // the first is the background
    expect(bars).toHaveLength(4);
    const heights = bars.map((b) => Number(attributeOf(b, 'height')));
    expect(heights[1]! / heights[0]!).toBeCloseTo(0.6, 2);
    expect(heights[2]).toBe(0);
    expect(all(bars[3]!, 'title')[0]!.text).toBe('up to 0.8 ms: 20.00%');
  });
});
