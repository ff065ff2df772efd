import { h } from './dom.js';

const HOUR = 3_600_000;
const PRESETS: { id: string; label: string; span: number | null }[] = [
  { id: 'hour', label: 'last hour', span: HOUR },
  { id: 'day', label: 'last 24 h', span: 24 * HOUR },
  { id: 'week', label: 'last 7 days', span: 7 * 24 * HOUR },
  { id: 'custom', label: 'from – to', span: null },
];

/** a time as a datetime-local input holds it: the browser's zone, to the second */
function local(t: number): string {
  const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 19);
}

/**
 * The range a replay reads: the last hour, 24 hours or 7 days up to the moment Replay is
 * pressed, or a from–to of the operator's own, in the browser's time zone. `range()` answers the
 * ISO times to send, or what is wrong with the custom inputs.
 */
export function replayRange(): { el: HTMLElement; range(): { from: string; to: string } | { wrong: string } } {
  const preset = h('select', { name: 'replay-range' }, ...PRESETS.map((p) => h('option', { value: p.id }, p.label))) as HTMLSelectElement;
  const now = Date.now();
  const from = h('input', { type: 'datetime-local', name: 'replay-from', step: 1, value: local(now - HOUR) }) as HTMLInputElement;
  const to = h('input', { type: 'datetime-local', name: 'replay-to', step: 1, value: local(now) }) as HTMLInputElement;
  const custom = h('span', { class: 'replay-custom', hidden: true }, h('label', {}, 'from ', from), h('label', {}, 'to ', to));
  preset.addEventListener('change', () => (custom.hidden = preset.value !== 'custom'));

  const range = (): { from: string; to: string } | { wrong: string } => {
    const span = PRESETS.find((p) => p.id === preset.value)?.span ?? null;
    if (span !== null) {
      const end = Date.now();
      return { from: new Date(end - span).toISOString(), to: new Date(end).toISOString() };
    }
    // a datetime-local value has no zone: Date reads it as the browser's, as the operator typed it
    const a = Date.parse(from.value);
    const b = Date.parse(to.value);
    if (Number.isNaN(a) || Number.isNaN(b)) return { wrong: 'Give the range a start and an end.' };
    if (!(a < b)) return { wrong: 'The range’s end must come after its start.' };
    return { from: new Date(a).toISOString(), to: new Date(b).toISOString() };
  };
  return { el: h('span', { class: 'replay-range' }, preset, custom), range };
}
