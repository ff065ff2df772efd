import { api } from './api.js';
import { h, mount } from './dom.js';
import { refusal } from './config-codes.js';
import { draftPanel } from './draft-panel.js';
import { said, when } from './format.js';
import { draftDocument, ensureDraft, openDraft } from './draft-state.js';
import { itemForm } from './item-forms.js';
import { showProblems } from './problems.js';
import { isObj, itemsOf, SECTIONS, type Draft, type LiveVersion, type Obj, type Published, type Section } from './config-types.js';

const TITLE: Record<Section, string> = { campaigns: 'Campaigns', buyers: 'Buyers', sellers: 'Sellers' };
const ONE: Record<Section, string> = { campaigns: 'campaign', buyers: 'buyer', sellers: 'seller' };

/** What the last publish or pause said, shown once on the page drawn after it. */
let flash: string | null = null;

/**
 * An item being added: its page starts from this rather than from the document, and it joins
 * the draft when saved. A seller starts with no key: once it is live, the Keys page issues its
 * first one (a key is shown once and only its hash is stored, so this page never makes one).
 */
let adding: { section: Section; id: string } | null = null;
const NEW_ITEM: Partial<Record<Section, (document: Obj) => Obj>> = {
  buyers: (d) => ({ campaigns: itemsOf(d, 'campaigns').slice(0, 1).map((c) => c.id) }),
  campaigns: () => ({ fields: {} }),
  sellers: () => ({ api_keys: [] }),
};

function addForm(section: Section): HTMLElement | null {
  if (NEW_ITEM[section] === undefined) return null;
  const input = h('input', { type: 'text', name: `new-${section}`, placeholder: `new ${ONE[section]} id`, required: true, pattern: '[A-Za-z0-9_.\\-]{1,64}' }) as HTMLInputElement;
  const form = h('form', { class: 'add-item' }, input, h('button', { type: 'submit', class: 'small ghost' }, `Add a ${ONE[section]}`));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    adding = { section, id: input.value.trim() };
    location.hash = `#/config/${section}/${encodeURIComponent(adding.id)}`;
  });
  return form;
}

const active = (item: Obj) => item.active !== false;

function versionLine(live: LiveVersion): HTMLElement {
  return h(
    'p',
    { class: 'version-line' },
    h('b', { 'data-live-version': live.version }, `Live version ${live.version}`),
    ` · published ${when(live.published_at)} by ${live.author}`,
    live.comment !== '' ? ` · “${live.comment}”` : null,
    ' · ',
    h('a', { href: '#/versions' }, 'history'),
  );
}

/** Pause or resume: one call, one version, live at once (README, "Pausing"). */
function pauseButton(section: Section, item: Obj, after: () => void, out: Element): HTMLElement {
  const verb = active(item) ? 'pause' : 'resume';
  const b = h('button', { type: 'button', class: `small ${verb}${verb === 'pause' ? ' ghost' : ''}`, 'data-action': verb }, active(item) ? 'Pause' : 'Resume');
  b.addEventListener('click', () => {
    b.setAttribute('disabled', '');
    api<Published>('POST', `/v1/admin/${section}/${encodeURIComponent(String(item.id))}/${verb}`).then(
      (p) => {
        flash = `${verb === 'pause' ? 'Paused' : 'Resumed'} ${ONE[section]} ${String(item.id)}: version ${p.version}${p.live_here ? ', live' : ''}.`;
        after();
      },
      (e: unknown) => {
        b.removeAttribute('disabled');
        mount(out, refusal(e));
      },
    );
  });
  return b;
}

const stateBadge = (item: Obj) => h('span', { class: `item-state ${active(item) ? 'active' : 'paused'}` }, active(item) ? 'active' : 'paused');

/** One line of what an item is, for the lists. */
function summary(section: Section, item: Obj): string {
  const list = (v: unknown) => (Array.isArray(v) ? v.join(', ') : 'all');
  if (section === 'buyers') {
    const parts = [`campaigns ${list(item.campaigns)}`];
    if (item.filters !== undefined) parts.push('filtered');
    if (item.schedule !== undefined) parts.push('scheduled');
    if (isObj(item.caps) && Object.keys(item.caps).length > 0) parts.push('capped');
    if (item.price !== undefined) parts.push(`fixed price ${String(item.price)}`);
    return parts.join(' · ');
  }
  if (section === 'campaigns') {
    const tiers = Array.isArray(item.distribution) ? `${item.distribution.length} tier${item.distribution.length === 1 ? '' : 's'}` : 'default plan';
    return `${isObj(item.fields) ? Object.keys(item.fields).length : 0} lead fields · ${tiers} · deadline ${String(item.tmax_ms ?? 150)} ms`;
  }
  return `campaigns ${list(item.campaigns)}${item.rate_limit !== undefined ? ` · rate ${String(item.rate_limit)}` : ''}`;
}

/**
 * Configuration: the campaigns, buyers and sellers of the live version, each with its state and
 * pause/resume; `#/config/<section>/<id>` opens one as a form that edits the open draft.
 */
export function configPage(root: Element, section: string | undefined, id: string | undefined): void {
  if (section !== undefined && (SECTIONS as readonly string[]).includes(section) && id !== undefined) return itemPage(root, section as Section, id);
  listPage(root);
}

function listPage(root: Element): void {
  const out = h('div', { class: 'config' });
  mount(root, h('h2', {}, 'Configuration'), out);
  mount(out, h('p', { class: 'muted' }, 'loading…'));
  const redraw = () => listPage(root);
  api<LiveVersion>('GET', '/v1/admin/config').then(
    (live) => {
      const note = h('div', { class: 'note' }, flash !== null ? h('p', { class: 'ok-text flash' }, flash) : null);
      flash = null;
      const panel = draftPanel((ps) => ps, (p) => ((flash = `Version ${p.version} published${p.live_here ? ', live' : ''}.`), redraw()));
      mount(
        out,
        versionLine(live),
        note,
        ...SECTIONS.map((s) =>
          h(
            'section',
            { class: 'items', 'data-section': s },
            h('h3', {}, TITLE[s]),
            h(
              'table',
              { class: 'buyers config-list' },
              h('thead', {}, h('tr', {}, h('th', { class: 'c-id' }, 'id'), h('th', {}, 'summary'), h('th', { class: 'c-state' }, 'state'), h('th', { class: 'c-act' }))),
              h(
                'tbody',
                {},
                ...itemsOf(live.document, s).map((item) =>
                  h(
                    'tr',
                    { 'data-item': `${s}/${String(item.id)}` },
                    h('td', {}, h('a', { href: `#/config/${s}/${encodeURIComponent(String(item.id))}` }, String(item.id))),
                    h('td', { class: 'muted' }, summary(s, item)),
                    h('td', {}, stateBadge(item)),
                    h('td', { class: 'actions' }, pauseButton(s, item, redraw, note)),
                  ),
                ),
              ),
            ),
            addForm(s),
          ),
        ),
        openDraft() !== null ? panel.el : null,
      );
      if (openDraft() !== null) void panel.check();
    },
    (e: unknown) => mount(out, h('p', { class: 'error' }, said(e))),
  );
}

function itemPage(root: Element, section: Section, id: string): void {
  const out = h('div', { class: 'config-item' });
  mount(root, h('h2', {}, h('a', { href: '#/config' }, 'Configuration'), ' › ', TITLE[section], ' › ', id), out);
  mount(out, h('p', { class: 'muted' }, 'loading…'));
  const redraw = () => itemPage(root, section, id);
  Promise.all([api<LiveVersion>('GET', '/v1/admin/config'), draftDocument()]).then(
    ([live, draft]: [LiveVersion, Draft | null]) => {
      // the draft's copy when one is open, so edits made earlier in it are what the form shows
      const document = draft?.document ?? live.document;
      const liveItem = itemsOf(live.document, section).find((x) => x.id === id);
      const starter = adding?.section === section && adding.id === id ? NEW_ITEM[section] : undefined;
      const stored = itemsOf(document, section).find((x) => x.id === id);
      const found = stored ?? starter?.(document);
      if (found === undefined) {
        mount(out, h('p', { class: 'error' }, `No ${ONE[section]} “${id}” in ${draft !== null ? 'the open draft' : 'the live version'}.`));
        return;
      }
      const item = structuredClone(found);
      const form = h('form', { class: 'item-form', novalidate: true });
      const saveState = h('span', { class: 'muted save-state' });
      const editing = h('span', { class: 'muted editing' });
      const changed = () => mount(saveState, 'unsaved changes');
      mount(form, ...itemForm(section, item, document, changed));
      // where the server's problem paths for this item start: its place in the draft's list
      let prefix = `${section}[${itemsOf(document, section).findIndex((x) => x.id === id)}]`;
      const panel = draftPanel(
        (ps) => showProblems(form, ps, prefix),
        (p) => ((flash = `Version ${p.version} published${p.live_here ? ', live' : ''}.`), redraw()),
      );
      const save = h('button', { type: 'submit', class: 'save' }, 'Save to draft');
      // a new item can be taken out once it is in the draft
      const remove = h('button', { type: 'button', class: 'ghost remove-item', hidden: stored === undefined }, `Remove this ${ONE[section]}`);
      remove.addEventListener('click', () => {
        ensureDraft()
          .then((d) => api<Draft>('DELETE', `/v1/admin/drafts/${d.id}/${section}/${encodeURIComponent(id)}`))
          .then(
            () => {
              flash = `${ONE[section][0]!.toUpperCase()}${ONE[section].slice(1)} ${id} taken out of the draft: publish the draft to take it out of the live version.`;
              location.hash = '#/config';
            },
            (err: unknown) => mount(refused, refusal(err)),
          );
      });
      const refused = h('div', { class: 'save-refused' });
      form.append(h('div', { class: 'form-actions' }, save, saveState, remove), refused);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        save.setAttribute('disabled', '');
        mount(saveState, 'saving…');
        mount(refused);
        ensureDraft()
          .then((d) => api<Draft>('PUT', `/v1/admin/drafts/${d.id}/${section}/${encodeURIComponent(id)}`, item))
          .then(
            (d) => {
              prefix = `${section}[${itemsOf(d.document, section).findIndex((x) => x.id === id)}]`;
              mount(saveState, 'saved to the draft');
              if (adding?.id === id) adding = null;
              remove.hidden = false;
              mount(editing, `Editing draft ${d.id.slice(0, 8)} (made from version ${d.base_version ?? '—'}).`);
              return panel.check();
            },
            (err: unknown) => {
              mount(saveState);
              mount(refused, refusal(err));
            },
          )
          .finally(() => save.removeAttribute('disabled'));
      });
      const note = h('div', { class: 'note' }, flash !== null ? h('p', { class: 'ok-text flash' }, flash) : null);
      flash = null;
      mount(editing, draft !== null ? `Editing draft ${draft.id.slice(0, 8)} (made from version ${draft.base_version ?? '—'}).` : 'Showing the live version; saving starts a draft.');
      mount(
        out,
        versionLine(live),
        note,
        h(
          'div',
          { class: 'item-head' },
          liveItem !== undefined ? stateBadge(liveItem) : h('span', { class: 'item-state new' }, 'not live yet'),
          liveItem !== undefined ? pauseButton(section, liveItem, redraw, note) : null,
          editing,
        ),
        form,
        panel.el,
      );
      void panel.check();
    },
    (e: unknown) => mount(out, h('p', { class: 'error' }, said(e))),
  );
}
