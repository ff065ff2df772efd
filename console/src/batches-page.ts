import type { z } from 'zod';
import type { BatchesAnswer } from '../../src/protocol/party-api.js';
import { api } from './api.js';
import { h, mount } from './dom.js';
import { count, dash, said, when } from './format.js';

type Batches = z.infer<typeof BatchesAnswer>;

/**
 * Batch files (GET /v1/batches), newest first: when each was built and delivered, its leads, its
 * state, its file, its tries and last error. The operator's console shows every buyer's (with a
 * buyer column); a buyer's portal shows its own (the API answers the key's own, whatever the page asks).
 */
export function batchesPage(root: Element, operator: boolean): void {
  const heads = [...(operator ? ['buyer'] : []), 'file', 'channel', 'built', 'delivered', 'leads', 'state', 'attempts', 'next try', 'last error'];
  const row = (cells: (string | HTMLElement)[]) => h('tr', {}, ...cells);
  const list = h('tbody', {}, row([h('td', { colspan: heads.length, class: 'muted' }, 'loading…')]));
  mount(
    root,
    h('h2', {}, 'Batch files'),
    h(
      'p',
      { class: 'muted' },
      operator
        ? "Buyers' leads as files on a schedule, by SFTP or e-mail, newest first: a failed delivery is retried with backoff, and its tries and last error show here."
        : 'Your leads as files on your schedule, by SFTP or e-mail, newest first. Each lead is in one file; a failed delivery is retried with backoff.',
    ),
    h('table', { class: 'buyers batches' }, h('thead', {}, row(heads.map((x) => h('th', {}, x)))), list),
  );
  api<Batches>('GET', '/v1/batches?limit=200').then(
    (r) =>
      mount(
        list,
        ...(r.batches.length === 0
          ? [row([h('td', { colspan: heads.length, class: 'muted' }, operator ? 'No batch yet: no buyer takes files, or none has had a lead in a window.' : 'No batch yet: you take no files, or no lead of yours has been in a window.')])]
          : r.batches.map((b) =>
              h(
                'tr',
                { 'data-batch': b.id, 'data-state': b.state },
                ...(operator ? [h('td', {}, b.buyer)] : []),
                h('td', { class: 'file' }, b.file),
                h('td', {}, b.channel),
                h('td', {}, when(b.built_at)),
                h('td', {}, b.delivered_at === null ? dash : when(b.delivered_at)),
                h('td', { class: 'num' }, count(b.leads)),
                h('td', { class: `state ${b.state}` }, b.state),
                h('td', { class: 'num' }, count(b.attempts)),
                h('td', {}, b.next_try_at === null ? dash : when(b.next_try_at)),
                h('td', { class: b.last_error === null ? undefined : 'error' }, b.last_error ?? dash),
              ),
            )),
      ),
    (err: unknown) => mount(list, row([h('td', { colspan: heads.length, class: 'error' }, said(err))])),
  );
}
