import { isIP } from 'node:net';
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { SmtpConfig } from '../config/smtp-schema.js';

/** One file sent with a message (a batch of leads as CSV, say). */
export interface MailAttachment {
  filename: string;
  content: string | Buffer;
  /** `text/csv`, `application/x-ndjson`...; guessed from the file name when absent */
  contentType?: string;
}

export interface MailMessage {
  /** at most the relay's `max_recipients` addresses */
  to: readonly string[];
  subject: string;
  text?: string;
  html?: string;
  attachments?: readonly MailAttachment[];
  /**
   * `<...@...>`: the same id for every try of one message, so a repeat (delivery is at least once)
   * is recognisable by the reader; absent, the relay's library makes one up
   */
  messageId?: string;
}

export interface SentMail {
  messageId: string;
  /** the addresses the relay took */
  accepted: string[];
  /** the relay's last answer (`250 OK queued as ...`) */
  response: string;
}

/**
 * A send that failed. `permanent`: the relay refused it for good (a 5xx answer: no such mailbox,
 * message refused), so trying again would only be refused again; anything else (no connection,
 * a timeout, a 4xx) may pass on a later try.
 */
export class MailError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** the relay's reply code, when it answered one */
    readonly code: number | null = null,
  ) {
    super(message);
    this.name = 'MailError';
  }
}

/** The password the config names: in clear, or read from the environment (never logged). */
function passwordOf(smtp: SmtpConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (smtp.password_env === undefined) return smtp.password;
  const value = env[smtp.password_env];
  if (value === undefined || value === '') throw new MailError(`smtp.password_env: the environment has no ${smtp.password_env}`, true);
  return value;
}

/** `Name <a@b.c>` or `a@b.c`: the domain, for Message-IDs of Gavel's own making */
export function domainOf(address: string): string {
  const at = /@([^>\s]+)>?\s*$/.exec(address);
  return at?.[1] ?? 'gavel.invalid';
}

/**
 * Sends e-mail through the operator's SMTP relay (the config's `smtp`): STARTTLS required unless
 * `starttls: false`, AUTH when a user is set, one connection per message (few messages, and no
 * idle session left open to a relay between them). Every e-mail Gavel sends goes through here, so
 * the relay's settings, the recipient limit and the error classes are in one place.
 */
export class Mailer {
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(
    readonly smtp: SmtpConfig,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const pass = passwordOf(smtp, env);
    // RFC 6066: SNI names a host, never an address
    const tls: SMTPTransport.Options['tls'] = { rejectUnauthorized: smtp.reject_unauthorized, ...(isIP(smtp.host) === 0 ? { servername: smtp.host } : {}) };
    if (smtp.tls_ca !== undefined) tls.ca = smtp.tls_ca;
    this.transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: !smtp.secure && smtp.starttls,
      ignoreTLS: !smtp.secure && !smtp.starttls,
      tls,
      ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, ...(pass === undefined ? {} : { pass }) } }),
      connectionTimeout: smtp.timeout_ms,
      greetingTimeout: smtp.timeout_ms,
      socketTimeout: smtp.timeout_ms,
      // nodemailer's own logging would print the SMTP dialogue, the leads' data with it
      logger: false,
      debug: false,
    });
  }

  /** Sends one message; throws a MailError when the relay did not take it. */
  async sendMail(m: MailMessage): Promise<SentMail> {
    if (m.to.length === 0) throw new MailError('no recipient', true);
    if (m.to.length > this.smtp.max_recipients) throw new MailError(`${m.to.length} recipients, more than smtp.max_recipients (${this.smtp.max_recipients})`, true);
    try {
      const info = await this.transport.sendMail({
        from: this.smtp.from,
        to: [...m.to],
        subject: m.subject,
        ...(m.text === undefined ? {} : { text: m.text }),
        ...(m.html === undefined ? {} : { html: m.html }),
        ...(m.messageId === undefined ? {} : { messageId: m.messageId }),
        ...(m.attachments === undefined ? {} : { attachments: m.attachments.map((a) => ({ filename: a.filename, content: a.content, ...(a.contentType === undefined ? {} : { contentType: a.contentType }) })) }),
      });
      if (info.accepted.length === 0) throw new MailError(`the relay took no recipient: ${info.response}`, false);
      return { messageId: info.messageId, accepted: info.accepted.map(String), response: info.response };
    } catch (e) {
      if (e instanceof MailError) throw e;
      const err = e as Error & { responseCode?: number; code?: string };
      const permanent = err.responseCode !== undefined && err.responseCode >= 500 && err.code !== 'EAUTH';
      throw new MailError(err.message, permanent, err.responseCode ?? null);
    }
  }

  close(): void {
    this.transport.close();
  }
}
