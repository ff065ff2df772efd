/**
 * Smooth weighted round robin over the candidates, on a table of current weights: the same
 * arithmetic as lua/turn-pick-1.lua, for the memory store. Returns the turn order and writes
 * the new current weights into `current`.
 */
export function takeTurn(current: Map<string, number>, candidates: readonly (readonly [string, number])[]): string[] {
  const total = candidates.reduce((s, [, w]) => s + w, 0);
  const cur = candidates.map(([id, w]) => (current.get(id) ?? 0) + w);
  let best = 0;
  for (let i = 1; i < cur.length; i++) if (cur[i]! > cur[best]!) best = i;
  cur[best]! -= total;
  candidates.forEach(([id], i) => current.set(id, cur[i]!));
  return candidates
    .map(([id], i) => ({ id, i }))
    .sort((a, b) => (a.i === best ? -1 : b.i === best ? 1 : cur[b.i]! - cur[a.i]! || a.i - b.i))
    .map((x) => x.id);
}
