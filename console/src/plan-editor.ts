import { h, mount } from './dom.js';
import { fieldRow, numberInput, selectInput, setOrDelete, textInput } from './form-fields.js';
import type { Obj } from './config-types.js';

/** The methods a tier may use (src/config/plan-schema.ts METHODS). */
const METHODS = ['highest_bid', 'priority', 'round_robin', 'weighted', 'fixed_price'] as const;

/**
 * A campaign's distribution plan (README, "Distribution plans"): tiers tried in order, each with
 * its method, its buyers in priority order, exclusive or shared (up to `max_buyers`), and a weight
 * per buyer for a weighted tier. No tiers: the campaign's default, one highest_bid tier of every
 * buyer. Tiers are edited in place, so keys the editor does not show stay as written.
 */
export function planEditor(value: Obj[] | undefined, campaignBuyers: readonly string[], onChange: (tiers: Obj[] | undefined) => void, basePath = 'distribution'): HTMLElement {
  let tiers = value;
  const box = h('div', { class: 'plan', 'data-path': basePath });
  const emit = () => onChange(tiers);
  const reshape = () => {
    draw();
    emit();
  };
  const button = (label: string, cls: string, onClick: () => void) => {
    const b = h('button', { type: 'button', class: `small ${cls}` }, label);
    b.addEventListener('click', onClick);
    return b;
  };

  function tierCard(t: Obj, i: number, list: Obj[]): HTMLElement {
    const path = `${basePath}[${i}]`;
    const method = (t.method as string | undefined) ?? 'highest_bid';
    const listed = Array.isArray(t.buyers) ? (t.buyers as string[]) : undefined;
    const buyersInput = h('input', { type: 'text', class: 'wide tier-buyers', value: listed?.join(', ') ?? '', placeholder: 'every buyer of the campaign no other tier names' }) as HTMLInputElement;
    buyersInput.addEventListener('input', () => {
      const ids = buyersInput.value
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      setOrDelete(t, 'buyers', ids.length === 0 ? undefined : ids);
      emit();
    });
    // weights belong to a weighted tier's listed buyers; drawn again when the list is left
    const weights = h('div', { class: 'weights', 'data-path': `${path}.weights` });
    const drawWeights = () => {
      if (method !== 'weighted') return mount(weights);
      const w = (t.weights ??= {}) as Record<string, unknown>;
      const ids = Array.isArray(t.buyers) ? (t.buyers as string[]) : [];
      mount(
        weights,
        h('span', { class: 'name' }, 'Weights'),
        ...(ids.length === 0 ? [h('span', { class: 'hint' }, 'list the tier’s buyers to weigh them')] : ids.map((id) => numberInput(w, id, id, `${path}.weights.${id}`, emit))),
        h('span', { class: 'hint' }, 'a buyer’s share of the leads is its weight over the sum'),
      );
    };
    buyersInput.addEventListener('change', drawWeights);
    drawWeights();
    const methodRow = selectInput(t, 'method', 'Method', `${path}.method`, METHODS, 'highest_bid', reshape);
    const sellRow = selectInput(t, 'sell', 'Sold', `${path}.sell`, ['exclusive', 'shared'], 'exclusive', reshape);
    return h(
      'div',
      { class: 'tier', 'data-path': path },
      h(
        'div',
        { class: 'tier-head' },
        h('b', {}, `Tier ${i + 1}`),
        h(
          'span',
          { class: 'tools' },
          i > 0 ? button('↑', 'ghost up', () => (list.splice(i - 1, 0, ...list.splice(i, 1)), reshape())) : null,
          i < list.length - 1 ? button('↓', 'ghost down', () => (list.splice(i + 1, 0, ...list.splice(i, 1)), reshape())) : null,
          button('×', 'ghost remove', () => {
            list.splice(i, 1);
            if (list.length === 0) tiers = undefined;
            reshape();
          }),
        ),
      ),
      h('div', { class: 'form-row' }, textInput(t, 'name', 'Name', `${path}.name`, emit), methodRow, sellRow, t.sell === 'shared' ? numberInput(t, 'max_buyers', 'Max buyers', `${path}.max_buyers`, emit, 'default 3') : null),
      fieldRow('Buyers', `${path}.buyers`, buyersInput, `in priority order; of ${campaignBuyers.join(', ') || 'no buyer yet'}`),
      weights,
    );
  }

  function draw(): void {
    const list = tiers;
    mount(
      box,
      list === undefined || list.length === 0 ? h('p', { class: 'muted' }, 'No plan: one highest_bid tier of every buyer of the campaign.') : null,
      ...(list ?? []).map((t, i) => tierCard(t, i, list!)),
      button('+ tier', 'add-tier', () => {
        tiers ??= [];
        tiers.push({ name: `tier${tiers.length + 1}`, method: 'highest_bid' });
        reshape();
      }),
    );
  }

  draw();
  return box;
}
