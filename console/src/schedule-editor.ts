import { h, mount } from './dom.js';
import { fieldRow, setOrDelete, textInput } from './form-fields.js';
import type { Obj } from './config-types.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A day's hours as typed: `closed`, one range, or several comma-separated (src/rules/schedule.ts). */
function hoursOf(text: string): unknown {
  const parts = text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : parts;
}

/**
 * When a buyer takes leads (README, "Buyer rules"): its zone (the caps' zone when left out), the
 * hours of each weekday (`08:00-18:00`, several ranges, `closed`; `22:00-02:00` runs past
 * midnight) and closed dates. Once any day has hours, a day left empty is closed; with none, every
 * day is open. Edited in place; no schedule at all is no key.
 */
export function scheduleEditor(value: Obj | undefined, onChange: (s: Obj | undefined) => void, basePath = 'schedule'): HTMLElement {
  let schedule = value;
  const box = h('div', { class: 'schedule', 'data-path': basePath });
  const emit = () => onChange(schedule);

  function draw(): void {
    if (schedule === undefined) {
      const add = h('button', { type: 'button', class: 'small add-schedule' }, 'Add a schedule');
      add.addEventListener('click', () => {
        schedule = { hours: { mon: '08:00-18:00', tue: '08:00-18:00', wed: '08:00-18:00', thu: '08:00-18:00', fri: '08:00-18:00' } };
        draw();
        emit();
      });
      return mount(box, h('p', { class: 'muted' }, 'No schedule: open every day, all day.'), add);
    }
    const s = schedule;
    const hours = (s.hours ?? {}) as Obj;
    const day = (d: (typeof DAYS)[number]) => {
      const v = hours[d];
      const input = h('input', { type: 'text', name: `${basePath}.hours.${d}`, class: 'hours', value: Array.isArray(v) ? v.join(', ') : v === undefined ? '' : String(v), placeholder: s.hours === undefined ? 'open all day' : 'closed' }) as HTMLInputElement;
      input.addEventListener('input', () => {
        const next = (s.hours ?? {}) as Obj;
        setOrDelete(next, d, hoursOf(input.value));
        setOrDelete(s, 'hours', Object.keys(next).length === 0 ? undefined : next);
        emit();
      });
      return fieldRow(d, `${basePath}.hours.${d}`, input);
    };
    const dates = h('input', { type: 'text', class: 'wide', name: `${basePath}.closed_dates`, value: Array.isArray(s.closed_dates) ? s.closed_dates.join(', ') : '', placeholder: '2026-12-25, 2027-01-01' }) as HTMLInputElement;
    dates.addEventListener('input', () => {
      const list = dates.value
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      setOrDelete(s, 'closed_dates', list.length === 0 ? undefined : list);
      emit();
    });
    const drop = h('button', { type: 'button', class: 'small ghost remove-schedule' }, 'Remove the schedule');
    drop.addEventListener('click', () => {
      schedule = undefined;
      draw();
      emit();
    });
    mount(
      box,
      textInput(s, 'timezone', 'Time zone', `${basePath}.timezone`, emit, 'IANA zone; the caps’ zone when empty', 'America/Chicago'),
      h('div', { class: 'days' }, ...DAYS.map(day)),
      h('p', { class: 'hint' }, 'HH:MM-HH:MM, several comma-separated, or closed. Once a day has hours, an empty day is closed.'),
      fieldRow('Closed dates', `${basePath}.closed_dates`, dates, 'YYYY-MM-DD, local'),
      drop,
    );
  }

  draw();
  return box;
}
