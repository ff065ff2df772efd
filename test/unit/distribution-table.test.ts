import { describe, expect, it } from 'vitest';
import { loadCases, type Case } from '../support/distribution-case.js';
import { InProcessMarket, outOfProcess } from '../support/in-process-market.js';

/**
 * The distribution cases (test/distribution-cases/*.json) that the end-to-end runner plays
 * against real servers, played here in-process: Gavel's config parser and runtime compiler, the
 * buyer rules and the ranking of the source itself, no server, no store, no dist/
 * (test/support/in-process-market.ts). A case the market cannot play says why in its `e2e_only`,
 * and this table checks that reason still holds; a case without one that needs the store fails
 * here, so no case is left out in silence.
 */
async function play(c: Case): Promise<void> {
  const market = new InProcessMarket(c);
  for (const [n, step] of c.steps.entries()) {
    const where = `${c.name}, step ${n + 1}`;
    const got = await market.step(step);
    const e = step.expect;
    if (e.status !== undefined) expect(got.answer.status, where).toBe(e.status);
    if (e.reason !== undefined) expect(got.answer.reason, where).toBe(e.reason);
    if (e.price !== undefined) expect(got.answer.price, where).toBe(e.price);
    if (e.buyers !== undefined) expect(got.answer.buyers, `${where}: buyers`).toBe(e.buyers);
    if (e.pinged !== undefined) expect(got.pinged, `${where}: pinged`).toEqual([...e.pinged].sort());
    if (e.posted !== undefined) expect(got.posted, `${where}: posted`).toEqual([...e.posted].sort());
    if (e.winner !== undefined) expect(got.winners, `${where}: winner`).toEqual(e.winner === null ? [] : [e.winner]);
    if (e.winners !== undefined) expect(got.winners, `${where}: winners`).toEqual([...e.winners].sort());
    if (e.left_out !== undefined) expect(got.leftOut, `${where}: left out`).toEqual(e.left_out);
  }
}

const files = loadCases();

for (const { file, cases } of files) {
  describe(`distribution table: ${file}`, () => {
    for (const c of cases) {
      if (c.e2e_only === undefined) it(c.name, () => play(c));
      else {
        it(`${c.name} [end-to-end only: ${c.e2e_only}]`, () => {
          // the reason must still hold: once the market can play a case, it plays it
          expect(outOfProcess(c), `"${c.name}" is marked e2e_only but runs in-process: remove the mark`).not.toEqual([]);
        });
      }
    }
  });
}

describe('distribution table', () => {
  it('plays in-process most of the cases, and names each one it does not', () => {
    const all = files.flatMap((f) => f.cases);
    const endToEndOnly = all.filter((c) => c.e2e_only !== undefined);
    expect(all.length - endToEndOnly.length).toBeGreaterThan(endToEndOnly.length);
  });
});
