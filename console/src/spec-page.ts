import { api, ApiError } from './api.js';
import { h, mount } from './dom.js';
import { dash, said } from './format.js';
import type { FieldSchema, Ping, Post, SellerSpec, Who } from './portal-types.js';

/** A field's rules in a few words: its type and what bounds it. */
function rules(f: FieldSchema): string {
  const parts = [f['x-format'] ?? f.format ?? f.type];
  if (f.enum !== undefined) parts.push(`one of ${f.enum.join(', ')}`);
  if (f.pattern !== undefined) parts.push(`matches ${f.pattern}`);
  if (f.minimum !== undefined || f.maximum !== undefined) parts.push(`${f.minimum ?? '…'} to ${f.maximum ?? '…'}`);
  if (f.maxLength !== undefined && f.pattern === undefined && f.enum === undefined) parts.push(`at most ${f.maxLength} characters`);
  return parts.join(' · ');
}

const ms = (n: number) => (n >= 60_000 && n % 60_000 === 0 ? `${n / 60_000} min` : n >= 1000 && n % 1000 === 0 ? `${n / 1000} s` : `${n} ms`);

/** The example lead of a campaign, as the spec publishes it (none when the campaign's patterns gave no valid one). */
function exampleOf(spec: SellerSpec, campaign: string): Record<string, unknown> {
  return spec.paths['/v1/leads']?.post.requestBody.content['application/json'].examples[campaign]?.value.lead ?? {};
}

/**
 * A seller's own spec (GET /v1/spec) in words: per campaign its deadlines, its fields (which go
 * in the ping, which are personal, which are required, their rules) and its dedup; and a form,
 * prefilled from the spec's example, that sends a real ping with the session and, if a buyer
 * bids, posts the full lead, showing each answer as the API gave it.
 */
export function specPage(root: HTMLElement, who: Who): void {
  const out = h('div', {}, h('p', { class: 'muted' }, 'loading…'));
  mount(root, h('h2', {}, 'Your spec'), out);
  api<SellerSpec>('GET', '/v1/spec').then(
    (spec) => {
      const ids = Object.keys(spec['x-gavel-campaigns']);
      if (ids.length === 0) return mount(out, h('p', { class: 'muted' }, 'No campaign is open to you: ask the operator.'));
      const form = h('div', {});
      mount(
        out,
        h('p', { class: 'muted' }, `The seller API for ${who.id}, configuration version ${spec.info.version}. The whole standard is `, h('a', { href: '/openapi.json' }, '/openapi.json'), '; this spec as OpenAPI is ', h('code', {}, 'GET /v1/spec'), '.'),
        ...ids.map((id) => campaignCard(spec, id)),
        form,
      );
      testLeadForm(form, spec, ids);
    },
    (err: unknown) => mount(out, h('p', { class: 'error' }, said(err))),
  );
}

function campaignCard(spec: SellerSpec, id: string): HTMLElement {
  const facts = spec['x-gavel-campaigns'][id]!;
  const props = spec.components.schemas[`${id}.Lead`]?.properties ?? {};
  const example = exampleOf(spec, id);
  const tag = (on: boolean, cls: string, text: string) => (on ? h('span', { class: `tag ${cls}` }, text) : null);
  const dedup = spec.tags.find((t) => t.name === id)?.description.replace(/^.*?Required in the full lead: [^.]*\. ?/, '') ?? '';
  return h(
    'section',
    { class: 'card campaign', 'data-campaign': id },
    h('h3', {}, `Campaign ${id}`),
    h(
      'div',
      { class: 'tiles' },
      h('div', { class: 'tile' }, h('span', { class: 'label' }, 'ping answered within'), h('span', { class: 'value small', 'data-k': `tmax_${id}` }, ms(facts.tmax_ms))),
      h('div', { class: 'tile' }, h('span', { class: 'label' }, 'tmax_ms you may ask, at most'), h('span', { class: 'value small' }, ms(facts.max_tmax_ms))),
      h('div', { class: 'tile' }, h('span', { class: 'label' }, 'a bid stands for'), h('span', { class: 'value small' }, ms(facts.ping_ttl_ms))),
      h('div', { class: 'tile' }, h('span', { class: 'label' }, 'post answered within'), h('span', { class: 'value small' }, ms(facts.post_tmax_ms))),
    ),
    h(
      'table',
      { class: 'buyers fields' },
      h('thead', {}, h('tr', {}, ...['field', 'where it goes', 'required', 'rules', 'example'].map((x) => h('th', {}, x)))),
      h(
        'tbody',
        {},
        ...Object.entries(props).map(([name, f]) =>
          h(
            'tr',
            { 'data-field': name },
            h('td', {}, h('code', {}, name)),
            h('td', {}, tag(f['x-ping'], 'ping', 'in the ping'), tag(f['x-pii'], 'pii', 'personal: post only'), !f['x-ping'] && !f['x-pii'] ? h('span', { class: 'tag post' }, 'post only') : null),
            h('td', {}, facts.required_fields.includes(name) ? 'yes' : 'no'),
            h('td', { class: 'rules' }, rules(f)),
            h('td', {}, example[name] === undefined ? dash : h('code', {}, String(example[name]))),
          ),
        ),
      ),
    ),
    dedup === '' ? null : h('p', { class: 'muted' }, dedup),
  );
}

/** One input per field of the campaign, prefilled from the example; typed back into the lead on send. */
function fieldInput(name: string, f: FieldSchema, value: unknown): HTMLInputElement {
  const id = `lead-${name}`;
  if (f.type === 'boolean') return h('input', { id, name, type: 'checkbox', checked: value === true }) as HTMLInputElement;
  const type = f.type === 'integer' || f.type === 'number' ? 'number' : f.format === 'email' ? 'email' : f['x-format'] === 'phone' ? 'tel' : 'text';
  return h('input', { id, name, type, value: value === undefined ? '' : String(value), step: f.type === 'number' ? 'any' : undefined, 'data-type': f.type }) as HTMLInputElement;
}

function valueOf(input: HTMLInputElement): unknown {
  if (input.type === 'checkbox') return input.checked;
  if (input.value === '') return undefined;
  return input.dataset.type === 'integer' || input.dataset.type === 'number' ? Number(input.value) : input.value;
}

function testLeadForm(root: HTMLElement, spec: SellerSpec, ids: string[]): void {
  const campaign = h('select', { id: 'test-campaign', name: 'campaign' }, ...ids.map((id) => h('option', { value: id }, id))) as HTMLSelectElement;
  const fields = h('div', { class: 'fields-grid' });
  const test = h('input', { id: 'test-flag', type: 'checkbox', checked: true }) as HTMLInputElement;
  const answers = h('div', { class: 'answers', 'aria-live': 'polite' });
  const send = h('button', { type: 'submit' }, 'Send a test lead') as HTMLButtonElement;
  let inputs: HTMLInputElement[] = [];
  const fill = () => {
    const id = campaign.value;
    const props = spec.components.schemas[`${id}.Lead`]?.properties ?? {};
    const example = exampleOf(spec, id);
    inputs = Object.entries(props).map(([name, f]) => fieldInput(name, f, example[name]));
    mount(fields, ...inputs.flatMap((input) => [h('label', { for: input.id }, input.name, spec['x-gavel-campaigns'][id]!.ping_fields.includes(input.name) ? h('span', { class: 'tag ping' }, 'ping') : null), input]));
  };
  campaign.addEventListener('change', fill);
  const form = h(
    'form',
    { class: 'card test-lead' },
    h('h3', {}, 'Send a test lead'),
    h('p', { class: 'muted' }, 'A real ping with the ping fields below; if a buyer bids, the full lead is posted to it. Edit the example as you like (a campaign with dedup refuses the same consumer twice).'),
    h('div', { class: 'row' }, h('label', { for: 'test-campaign' }, 'Campaign'), campaign),
    fields,
    h('div', { class: 'row' }, test, h('label', { for: 'test-flag' }, 'Mark it a test lead ("test": true): only buyers that take test leads see it')),
    send,
    answers,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = campaign.value;
    const facts = spec['x-gavel-campaigns'][id]!;
    const lead: Record<string, unknown> = {};
    for (const input of inputs) {
      const v = valueOf(input);
      if (v !== undefined) lead[input.name] = v;
    }
    const pingLead = Object.fromEntries(Object.entries(lead).filter(([n]) => facts.ping_fields.includes(n)));
    send.disabled = true;
    mount(answers);
    void sendLead(answers, id, pingLead, lead, test.checked).finally(() => (send.disabled = false));
  });
  mount(root, form);
  fill();
}

function answer(step: string, status: string, body: unknown, cls: string): HTMLElement {
  return h('div', { class: `answer ${cls}`, 'data-step': step }, h('h4', {}, `${step}: `, h('span', { class: 'status', 'data-k': `${step}_status` }, status)), h('pre', {}, JSON.stringify(body, null, 2)));
}

function refused(step: string, err: unknown): HTMLElement {
  if (!(err instanceof ApiError)) return h('p', { class: 'error' }, String(err));
  return answer(step, err.code, { error: { code: err.code, message: err.message, ...(err.details.length > 0 ? { details: err.details } : {}) } }, 'refused');
}

/** The ping, then the post if it got a bid: each answer shown as the API gave it. */
async function sendLead(out: HTMLElement, campaign: string, pingLead: Record<string, unknown>, lead: Record<string, unknown>, test: boolean): Promise<void> {
  let ping: Ping;
  try {
    ping = await api<Ping>('POST', '/v1/ping', { campaign, lead: pingLead, ...(test ? { test: true } : {}) });
  } catch (err) {
    return void out.append(refused('ping', err));
  }
  out.append(answer('ping', ping.status, ping, ping.status === 'bid' ? 'good' : 'none'));
  if (ping.status !== 'bid') return;
  try {
    const post = await api<Post>('POST', '/v1/post', { ping_id: ping.ping_id, lead });
    out.append(answer('post', post.status, post, post.status === 'sold' ? 'good' : 'none'));
  } catch (err) {
    out.append(refused('post', err));
  }
  out.append(h('p', {}, h('a', { href: `#/leads/${encodeURIComponent(ping.ping_id)}` }, 'See this lead in your leads →')));
}
