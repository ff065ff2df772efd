import { describe, expect, it } from 'vitest';
import { jsonDiff } from '../../src/versions/json-diff.js';

describe('jsonDiff', () => {
  it('equal documents have no changes, whatever their keys\' order', () => {
    expect(jsonDiff({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it('names each changed, added and removed value by its path', () => {
    expect(jsonDiff({ a: 1, b: { c: 2, d: 3 } }, { a: 1, b: { c: 4, e: 5 } })).toEqual([
      { path: 'b.c', before: 2, after: 4 },
      { path: 'b.d', before: 3 },
      { path: 'b.e', after: 5 },
    ]);
  });

  it('matches entries with ids by id, so removing one is one change', () => {
    const before = { buyers: [{ id: 'a', cap: 1 }, { id: 'b', cap: 2 }, { id: 'c', cap: 3 }] };
    const after = { buyers: [{ id: 'a', cap: 1 }, { id: 'c', cap: 30 }, { id: 'd', cap: 4 }] };
    expect(jsonDiff(before, after)).toEqual([
      { path: 'buyers[id=b]', before: { id: 'b', cap: 2 } },
      { path: 'buyers[id=c].cap', before: 3, after: 30 },
      { path: 'buyers[id=d]', after: { id: 'd', cap: 4 } },
    ]);
  });

  it('compares other arrays by position, and a change of kind as a whole', () => {
    expect(jsonDiff({ l: [1, 2, 3] }, { l: [1, 5] })).toEqual([
      { path: 'l[1]', before: 2, after: 5 },
      { path: 'l[2]', before: 3 },
    ]);
    expect(jsonDiff({ x: [1] }, { x: { 0: 1 } })).toEqual([{ path: 'x', before: [1], after: { 0: 1 } }]);
    expect(jsonDiff(1, 2)).toEqual([{ path: '(root)', before: 1, after: 2 }]);
    expect(jsonDiff({ x: null }, { x: null })).toEqual([]);
  });
});
