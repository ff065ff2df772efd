import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { configProblems } from '../support/config-problems.js';
import { leadView, renderHtml, renderText, DEFAULT_TEXT } from '../../src/delivery/lead-view.js';
import { messageIdOf } from '../../src/delivery/email-channel.js';
import { entryOf, openEntry } from '../../src/delivery/sold-queue-entry.js';
import { webhookBody } from '../../src/delivery/webhook-channel.js';

const SMTP = { host: 'smtp.example.com', user: 'gavel', password_env: 'SMTP_PASSWORD', from: 'Gavel <leads@example.com>', max_recipients: 2 };
const base = (buyer: Record<string, unknown>, distribution?: unknown[]) => ({
  smtp: SMTP,
  campaigns: [{ id: 'auto', fields: { zip: { type: 'string', ping: true, required: true }, phone: { type: 'phone', pii: true } }, dedup: { fields: ['phone'], window: '30d' }, ...(distribution ? { distribution } : {}) }],
  sellers: [{ id: 'pub1', api_key: 'k'.repeat(20) }],
  buyers: [{ id: 'm', campaigns: ['auto'], ...buyer }],
});
const MAIL = { to: ['a@buyer.test'], subject: 'Lead {{lead_id}}' };
const FIXED = [{ name: 'mail', method: 'fixed_price', buyers: ['m'] }];

const problems = configProblems;

describe('e-mail and webhook buyers: config', () => {
  it('an e-mail-only buyer (no post_url) buys at a price, unpinged, in a fixed_price tier of each of its campaigns', () => {
    expect(problems(base({ price: 4, email: MAIL }, FIXED))).toEqual([]);
    expect(problems(base({ email: MAIL }, FIXED))).toEqual(['buyers[0].ping_url: required for an http buyer (but a fixed-price one)', 'buyers[0].price: an e-mail-only buyer (no post_url) buys at a fixed price', 'campaigns[0].distribution[0].buyers: "m" has no price']);
    expect(problems(base({ price: 4, email: MAIL, ping_url: 'http://127.0.0.1:9/ping' }, FIXED))).toEqual(['buyers[0].ping_url: an e-mail-only buyer (no post_url) is never pinged']);
    expect(problems(base({ price: 4, email: MAIL }))).toEqual(["buyers[0].email: an e-mail-only buyer takes leads in a fixed_price tier only: list it in one of campaign auto's"]);
    expect(problems(base({ price: 4 }, FIXED))).toEqual(['buyers[0].post_url: required for an http buyer (but a batch-only one: batch and a price; or an e-mail-only one: email and a price)']);
  });

  it('e-mail needs the operator\'s relay, and no more addresses than it allows; templates are checked at load', () => {
    const posted = { ping_url: 'http://127.0.0.1:9/ping', post_url: 'http://127.0.0.1:9/post' };
    expect(problems({ ...base({ ...posted, email: MAIL }), smtp: undefined })).toEqual(["buyers[0].email: e-mail goes through the operator's relay: configure smtp"]);
    expect(problems(base({ ...posted, email: { ...MAIL, to: ['a@b.test', 'c@b.test', 'd@b.test'] } }))).toEqual(['buyers[0].email.to: 3 addresses, more than smtp.max_recipients (2)']);
    expect(problems(base({ ...posted, email: { ...MAIL, to: ['not an address'] } }))).toEqual(['buyers[0].email.to[0]: Invalid email address']);
    expect(problems(base({ ...posted, email: { ...MAIL, subject: 'Lead {{lead_id' } }))[0]).toMatch(/^buyers\[0\]\.email\.subject: not a template: Unclosed tag/);
    expect(problems(base({ ...posted, email: { ...MAIL, html: '<p>{{{lead.name}}}</p>' } }))).toEqual(['buyers[0].email.html: values are always escaped here: no {{{ }}} or {{& }}']);
  });

  it('a webhook is signed with its own secret or the buyer\'s loss_notices one', () => {
    const posted = { ping_url: 'http://127.0.0.1:9/ping', post_url: 'http://127.0.0.1:9/post' };
    expect(problems(base({ ...posted, webhook: { url: 'https://crm.buyer.test/leads' } }))).toEqual(['buyers[0].webhook.secret: required (or the loss_notices secret, which it would use)']);
    expect(problems(base({ ...posted, webhook: { url: 'https://crm.buyer.test/leads' }, loss_notices: { url: 'https://buyer.test/lost', secret: 's'.repeat(16) } }))).toEqual([]);
    expect(parseConfig(base({ ...posted, webhook: { url: 'https://crm.buyer.test/leads', secret: 's'.repeat(16) } })).buyers[0]!.webhook).toEqual({ url: 'https://crm.buyer.test/leads', secret: 's'.repeat(16), body: 'lead', max_attempts: 12 });
  });
});

const SOLD = { lead_id: 'L-1', buyer: 'm', campaign: 'auto', price_micros: 12_500_000, grade: 'A', test: false, at: Date.UTC(2026, 11, 3, 12), lead: { name: 'Ada <b>&</b>', zip: '10001', age: 40 } };

describe('e-mail and webhook buyers: what is sent', () => {
  it('templates name the lead\'s fields and the sale; HTML escapes every value, text does not; the default body lists every field', () => {
    const view = leadView(SOLD);
    expect(renderText('{{lead.name}} in {{lead.zip}}: {{price}} ({{campaign}}, {{grade}}, {{sold_at}})', view)).toBe('Ada <b>&</b> in 10001: 12.5 (auto, A, 2026-12-03T12:00:00.000Z)');
    expect(renderHtml('<td>{{lead.name}}</td>', view)).toBe('<td>Ada &lt;b&gt;&amp;&lt;&#x2F;b&gt;</td>');
    expect(renderText(DEFAULT_TEXT, view)).toBe('Lead L-1 (auto), bought at 12.5 on 2026-12-03T12:00:00.000Z\n\nname: Ada <b>&</b>\nzip: 10001\nage: 40\n');
  });

  it('the Message-ID is the lead\'s and the buyer\'s, the same at every try', () => {
    expect(messageIdOf('L-1', 'm', 'Gavel <leads@example.com>')).toBe('<L-1.m@example.com>');
    expect(messageIdOf('a b<c>', 'm', 'leads@example.com')).toBe('<a-b-c-.m@example.com>');
  });

  it('a queued entry keeps ids in clear and the lead sealed; only the same secret opens it', () => {
    const raw = entryOf('email', SOLD, 'secret-0123456789abcdef');
    expect(raw).not.toMatch(/Ada|10001/);
    expect(JSON.parse(raw)).toMatchObject({ channel: 'email', buyer: 'm', lead_id: 'L-1', campaign: 'auto' });
    expect(openEntry(raw, 'secret-0123456789abcdef')?.data).toEqual(SOLD);
    expect(openEntry(raw, 'another-secret-0123456789')).toBeNull();
    expect(openEntry('{"not":"ours"}', 'secret-0123456789abcdef')).toBeNull();
  });

  it('a webhook carries the whole lead, or its id alone', () => {
    expect(JSON.parse(webhookBody({ body: 'lead' }, SOLD))).toMatchObject({ event_id: 'lead.bought:L-1', type: 'lead.bought', price: 12.5, lead: SOLD.lead });
    expect(JSON.parse(webhookBody({ body: 'id' }, SOLD))).not.toHaveProperty('lead');
  });
});
