import { h, mount } from './dom.js';
import { numberInput, selectInput, textInput } from './form-fields.js';
import type { Obj } from './config-types.js';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const UNITS = ['hourly', 'daily', 'weekly', 'monthly'] as const;

/**
 * A buyer's caps (README, "Caps"): leads and spend per calendar hour, day, week and month in the
 * buyer's zone, rolling windows, and its ping rate. An empty box is no limit. Edited in place;
 * caps with nothing set are no key.
 */
export function capsEditor(value: Obj | undefined, onChange: (caps: Obj | undefined) => void, basePath = 'caps'): HTMLElement {
  const caps: Obj = value ?? {};
  const box = h('div', { class: 'caps', 'data-path': basePath });
  const emit = () => onChange(Object.keys(caps).length === 0 ? undefined : caps);
  const rolling = h('div', { class: 'rolling', 'data-path': `${basePath}.rolling` });

  const drawRolling = () => {
    const list = Array.isArray(caps.rolling) ? (caps.rolling as Obj[]) : [];
    const add = h('button', { type: 'button', class: 'small add-rolling' }, '+ rolling window');
    add.addEventListener('click', () => {
      caps.rolling = [...list, { window: '60m', max: 100 }];
      drawRolling();
      emit();
    });
    mount(
      rolling,
      h('span', { class: 'name' }, 'Rolling windows'),
      ...list.map((r, i) => {
        const path = `${basePath}.rolling[${i}]`;
        const drop = h('button', { type: 'button', class: 'small ghost remove' }, '×');
        drop.addEventListener('click', () => {
          list.splice(i, 1);
          if (list.length === 0) delete caps.rolling;
          drawRolling();
          emit();
        });
        return h('div', { class: 'form-row', 'data-path': path }, textInput(r, 'window', 'Window', `${path}.window`, emit, undefined, '60m'), numberInput(r, 'max', 'Leads', `${path}.max`, emit), numberInput(r, 'budget', 'Spend', `${path}.budget`, emit), drop);
      }),
      add,
    );
  };
  drawRolling();

  mount(
      box,
      h('div', { class: 'form-row' }, ...UNITS.map((u) => numberInput(caps, u, `Leads ${u}`, `${basePath}.${u}`, emit))),
      h('div', { class: 'form-row' }, ...UNITS.map((u) => numberInput(caps, `${u}_budget`, `Spend ${u}`, `${basePath}.${u}_budget`, emit))),
      h(
        'div',
        { class: 'form-row' },
        textInput(caps, 'timezone', 'Time zone', `${basePath}.timezone`, emit, 'calendar windows reset at its midnight (UTC)', 'UTC'),
        selectInput(caps, 'week_start', 'Week starts', `${basePath}.week_start`, WEEKDAYS, 'monday', emit),
        textInput(caps, 'ping_rate', 'Ping rate', `${basePath}.ping_rate`, emit, 'across every process, like 200/s', '200/s'),
      ),
      rolling,
  );
  return box;
}
