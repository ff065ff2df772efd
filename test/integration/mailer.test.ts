import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Smtp, type SmtpConfig } from '../../src/config/smtp-schema.js';
import { MailError, Mailer } from '../../src/delivery/mailer.js';
import { startRelay, type TestRelay } from '../support/smtp-relay.js';

let relay: TestRelay;
beforeAll(async () => {
  relay = await startRelay((m) => {
    if (m.rcpt.includes('nobody@buyer.test')) return { code: 550, message: 'No such mailbox' };
    if (m.rcpt.includes('busy@buyer.test')) return { code: 451, message: 'Try again later' };
    return 'accept';
  });
});
afterAll(() => relay.close());

/** the error a send failed with */
async function failure(p: Promise<unknown>): Promise<MailError> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(MailError);
  return e as MailError;
}

function smtp(over: Record<string, unknown> = {}): SmtpConfig {
  return Smtp.parse({ host: relay.host, port: relay.port, user: relay.user, password: relay.password, from: 'Gavel <leads@gavel.test>', tls_ca: relay.ca, max_recipients: 3, ...over });
}

describe('the mailer, through a real SMTP relay with STARTTLS and AUTH', () => {
  it('sends a message the relay receives whole: subject, text, HTML, recipients, attachment, Message-ID', async () => {
    const mailer = new Mailer(smtp());
    const before = relay.received.length;
    const sent = await mailer.sendMail({
      to: ['a@buyer.test', 'b@buyer.test'],
      subject: 'New lead 42',
      text: 'Jane from 10001',
      html: '<p>Jane from <b>10001</b></p>',
      attachments: [{ filename: 'leads.csv', content: 'id,zip\n42,10001\n', contentType: 'text/csv' }],
      messageId: '<lead-42.acme@gavel.test>',
    });
    mailer.close();
    expect(sent.messageId).toBe('<lead-42.acme@gavel.test>');
    expect(sent.accepted.sort()).toEqual(['a@buyer.test', 'b@buyer.test']);
    const [m] = (await relay.waitFor(before + 1)).slice(before);
    expect(m!.secure).toBe(true);
    expect(m!.user).toBe(relay.user);
    expect(m!.from).toBe('leads@gavel.test');
    expect(m!.rcpt.sort()).toEqual(['a@buyer.test', 'b@buyer.test']);
    expect(m!.parsed.subject).toBe('New lead 42');
    expect(m!.parsed.messageId).toBe('<lead-42.acme@gavel.test>');
    expect(m!.parsed.text?.trim()).toBe('Jane from 10001');
    expect(m!.parsed.html).toContain('<b>10001</b>');
    expect(m!.parsed.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([['leads.csv', 'text/csv', 'id,zip\n42,10001\n']]);
  });

  it('reads the password from the environment variable the config names', async () => {
    const mailer = new Mailer(smtp({ password: undefined, password_env: 'RELAY_PASSWORD' }), { RELAY_PASSWORD: relay.password });
    const before = relay.received.length;
    await mailer.sendMail({ to: ['a@buyer.test'], subject: 'env', text: 'x' });
    mailer.close();
    expect((await relay.waitFor(before + 1))[before]!.parsed.subject).toBe('env');
    expect(() => new Mailer(smtp({ password: undefined, password_env: 'RELAY_PASSWORD' }), {})).toThrow(/no RELAY_PASSWORD/);
  });

  it('a wrong password is refused by the relay, and may pass on a later try once fixed (not permanent)', async () => {
    const mailer = new Mailer(smtp({ password: 'wrong-password-000' }));
    const e = await failure(mailer.sendMail({ to: ['a@buyer.test'], subject: 'x', text: 'x' }));
    mailer.close();
    expect(e).toBeInstanceOf(MailError);
    expect(e.permanent).toBe(false);
  });

  it('refuses more recipients than max_recipients, before any connection', async () => {
    const mailer = new Mailer(smtp());
    const before = relay.received.length;
    const e = await failure(mailer.sendMail({ to: ['1@b.test', '2@b.test', '3@b.test', '4@b.test'], subject: 'x', text: 'x' }));
    mailer.close();
    expect(e.message).toMatch(/4 recipients, more than smtp.max_recipients \(3\)/);
    expect(e.permanent).toBe(true);
    expect(relay.received.length).toBe(before);
  });

  it('a 5xx refusal is permanent, a 4xx one is not', async () => {
    const mailer = new Mailer(smtp());
    const hard = await failure(mailer.sendMail({ to: ['nobody@buyer.test'], subject: 'x', text: 'x' }));
    const soft = await failure(mailer.sendMail({ to: ['busy@buyer.test'], subject: 'x', text: 'x' }));
    mailer.close();
    expect([hard.permanent, hard.message]).toEqual([true, expect.stringMatching(/No such mailbox/)]);
    expect([soft.permanent, soft.message]).toEqual([false, expect.stringMatching(/Try again later/)]);
  });

  it('does not trust the relay\'s self-signed certificate unless told to (tls_ca), and sends nothing', async () => {
    const before = relay.received.length;
    const mailer = new Mailer(smtp({ tls_ca: undefined }));
    const e = await failure(mailer.sendMail({ to: ['a@buyer.test'], subject: 'x', text: 'x' }));
    mailer.close();
    expect(e).toBeInstanceOf(MailError);
    expect(e.message).toMatch(/certificate/i);
    expect(relay.received.length).toBe(before);
  });

  it('the config refuses a password without a user, and both password and password_env', () => {
    const base = { host: 'h', from: 'a@b.c' };
    expect(Smtp.safeParse({ ...base, password: 'p' }).error?.issues.map((i) => i.path.join('.'))).toEqual(['user']);
    expect(Smtp.safeParse({ ...base, user: 'u', password: 'p', password_env: 'P' }).error?.issues.map((i) => i.path.join('.'))).toEqual(['password_env']);
    expect(Smtp.parse(base)).toMatchObject({ port: 587, starttls: true, secure: false, max_recipients: 5, reject_unauthorized: true });
  });
});
