import { capsEditor } from './caps-editor.js';
import { conditionBuilder } from './condition-builder.js';
import { h } from './dom.js';
import { checkInput, fieldset, jsonArea, listInput, numberInput, selectInput, setOrDelete, textInput, type Changed } from './form-fields.js';
import { planEditor } from './plan-editor.js';
import { scheduleEditor } from './schedule-editor.js';
import { isObj, itemsOf, type FieldSpec, type Filter, type Obj, type Section } from './config-types.js';

/**
 * The form of one campaign, buyer or seller. Each edits the item object in place; whatever the
 * form has no input for is in one JSON box, "Other settings", so nothing of the item is out of
 * reach and nothing is dropped on save. Keys (`key`, `keys`, `api_key`, `api_keys`) are neither
 * shown nor touched here: they are issued, rotated and revoked through the admin API's keys.
 */
const SECRET = new Set(['key', 'keys', 'api_key', 'api_keys']);

function others(item: Obj, covered: readonly string[], changed: Changed): HTMLElement {
  const skip = new Set([...covered, ...SECRET, 'id', 'active']);
  const keys = Object.keys(item).filter((k) => !skip.has(k));
  return fieldset('Other settings (JSON)', jsonArea(item, keys, 'Settings this form has no input for', '', changed, 'As in the config file. Keys are not shown: manage them with the admin API’s keys.'));
}

/** A lead field of every campaign the buyer takes, for its filter (the first campaign's spec of a name wins). */
function leadFields(document: Obj, campaigns: unknown): Record<string, FieldSpec> {
  const out: Record<string, FieldSpec> = {};
  const ids = Array.isArray(campaigns) ? campaigns : [];
  for (const c of itemsOf(document, 'campaigns')) {
    if (!ids.includes(c.id) || !isObj(c.fields)) continue;
    for (const [name, spec] of Object.entries(c.fields)) if (isObj(spec) && !(name in out)) out[name] = spec as unknown as FieldSpec;
  }
  return out;
}

function buyerForm(item: Obj, document: Obj, changed: Changed): HTMLElement[] {
  const covered = ['campaigns', 'transport', 'ping_url', 'post_url', 'timeout_ms', 'post_timeout_ms', 'connections', 'max_in_flight', 'price', 'accepts_test', 'filters', 'schedule', 'caps'];
  const fields = leadFields(document, item.campaigns);
  return [
    fieldset(
      'Buyer',
      h(
        'div',
        { class: 'form-row' },
        listInput(item, 'campaigns', 'Campaigns', 'campaigns', changed, 'comma-separated ids'),
        selectInput(item, 'transport', 'Transport', 'transport', ['http', 'websocket'], 'http', changed),
        checkInput(item, 'accepts_test', 'Takes test leads', 'accepts_test', false, changed),
      ),
      h('div', { class: 'form-row' }, textInput(item, 'ping_url', 'Ping URL', 'ping_url', changed, undefined, 'https://buyer.example/ping', true), textInput(item, 'post_url', 'Post URL', 'post_url', changed, undefined, 'https://buyer.example/post', true)),
      h(
        'div',
        { class: 'form-row' },
        numberInput(item, 'timeout_ms', 'Ping timeout (ms)', 'timeout_ms', changed, 'default 100'),
        numberInput(item, 'post_timeout_ms', 'Post timeout (ms)', 'post_timeout_ms', changed, 'default 3000'),
        numberInput(item, 'connections', 'Connections', 'connections', changed, 'default 32'),
        numberInput(item, 'max_in_flight', 'Max pings in flight', 'max_in_flight', changed),
        numberInput(item, 'price', 'Fixed price', 'price', changed, 'a fixed-price buyer only'),
      ),
    ),
    fieldset(
      'Filter',
      h('p', { class: 'hint' }, `Fields of its campaigns’ lead schema: ${Object.keys(fields).sort().join(', ') || 'none'}. A lead that fails is not offered to this buyer (FILTERED in its trace).`),
      conditionBuilder(item.filters as Filter | undefined, fields, (f) => (setOrDelete(item, 'filters', f), changed())),
    ),
    fieldset('Schedule', scheduleEditor(isObj(item.schedule) ? item.schedule : undefined, (s) => (setOrDelete(item, 'schedule', s), changed()))),
    fieldset('Caps', capsEditor(isObj(item.caps) ? item.caps : undefined, (c) => (setOrDelete(item, 'caps', c), changed()))),
    others(item, covered, changed),
  ];
}

function campaignForm(item: Obj, document: Obj, changed: Changed): HTMLElement[] {
  // a margin may be a share or { fixed }: the form takes the share, the JSON box the other
  const shareMargin = item.margin === undefined || typeof item.margin === 'number';
  const covered = ['tmax_ms', 'max_tmax_ms', 'post_tmax_ms', 'floor', 'ping_ttl', 'rank_by', 'distribution', ...(shareMargin ? ['margin'] : [])];
  const buyers = itemsOf(document, 'buyers')
    .filter((b) => Array.isArray(b.campaigns) && b.campaigns.includes(item.id))
    .map((b) => String(b.id));
  return [
    fieldset(
      'Campaign',
      h(
        'div',
        { class: 'form-row' },
        numberInput(item, 'tmax_ms', 'Ping deadline (ms)', 'tmax_ms', changed, 'default 150'),
        numberInput(item, 'max_tmax_ms', 'Longest asked (ms)', 'max_tmax_ms', changed, 'default 1000'),
        numberInput(item, 'post_tmax_ms', 'Post deadline (ms)', 'post_tmax_ms', changed, 'default 10000'),
      ),
      h(
        'div',
        { class: 'form-row' },
        numberInput(item, 'floor', 'Floor', 'floor', changed, 'bids below are ignored'),
        shareMargin ? numberInput(item, 'margin', 'Margin', 'margin', changed, '0.2: the seller is paid 80%') : null,
        textInput(item, 'ping_ttl', 'Bid stands for', 'ping_ttl', changed, 'default 60s', '60s'),
        selectInput(item, 'rank_by', 'Rank by', 'rank_by', ['bid', 'expected_value'], 'bid', changed),
      ),
    ),
    fieldset('Distribution plan', planEditor(Array.isArray(item.distribution) ? (item.distribution as Obj[]) : undefined, buyers, (t) => (setOrDelete(item, 'distribution', t), changed()))),
    others(item, covered, changed),
  ];
}

function sellerForm(item: Obj, _document: Obj, changed: Changed): HTMLElement[] {
  const shareMargin = item.margin === undefined || typeof item.margin === 'number';
  const covered = ['campaigns', 'rate_limit', 'floor', ...(shareMargin ? ['margin'] : [])];
  const keyless = item.api_key === undefined && (!Array.isArray(item.api_keys) || item.api_keys.length === 0);
  const noKey = h('p', { class: 'notice warn', 'data-k': 'no-key' }, 'This seller has no key yet: once it is published, issue its first key on the ', h('a', { href: '#/keys' }, 'Keys'), ' page. Until then its calls are refused (401).');
  return [
    ...(keyless ? [noKey] : []),
    fieldset(
      'Seller',
      h(
        'div',
        { class: 'form-row' },
        listInput(item, 'campaigns', 'Campaigns', 'campaigns', changed, 'all when empty'),
        textInput(item, 'rate_limit', 'Rate limit', 'rate_limit', changed, 'like 200/s', '200/s'),
        numberInput(item, 'floor', 'Floor', 'floor', changed, 'over the campaign’s'),
        shareMargin ? numberInput(item, 'margin', 'Margin', 'margin', changed, 'over the campaign’s') : null,
      ),
    ),
    others(item, covered, changed),
  ];
}

export function itemForm(section: Section, item: Obj, document: Obj, changed: Changed): HTMLElement[] {
  return section === 'buyers' ? buyerForm(item, document, changed) : section === 'campaigns' ? campaignForm(item, document, changed) : sellerForm(item, document, changed);
}
