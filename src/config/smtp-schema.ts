import { z } from 'zod';

/**
 * The operator's SMTP relay, through which every e-mail Gavel sends leaves (leads bought by
 * e-mail, batch files as attachments). The password is better named by `password_env` (read from
 * the environment when the mailer starts, so it is in no config version, never logged) than
 * written in `password`.
 */
export const Smtp = z
  .strictObject({
    host: z.string().min(1),
    port: z.int().min(1).max(65_535).default(587),
    /** TLS from the first byte (SMTPS, usually port 465); otherwise the session may upgrade with STARTTLS */
    secure: z.boolean().default(false),
    /** refuse to send unless the relay upgrades the session with STARTTLS (ignored when `secure`) */
    starttls: z.boolean().default(true),
    user: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** the environment variable that holds the password */
    password_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
    /** the sender of every message: `Gavel <leads@example.com>` or a bare address */
    from: z.string().min(3),
    /** the most addresses one message goes to (a buyer's `email.to` longer than this is refused at load) */
    max_recipients: z.int().min(1).max(100).default(5),
    /** PEM certificate(s) to trust for the relay beyond the system's (a relay with a private CA) */
    tls_ca: z.string().includes('BEGIN CERTIFICATE', { message: 'a PEM certificate' }).optional(),
    /** false accepts any certificate: for tests against a throwaway relay only, never in production */
    reject_unauthorized: z.boolean().default(true),
    /**
     * a try whose connection, greeting or any command takes longer fails. Kept well under
     * ledger.reclaim_after (30 s by default): a try still under way then may be taken over by
     * another process and the e-mail sent twice (under one Message-ID)
     */
    timeout_ms: z.int().min(1000).max(300_000).default(10_000),
  })
  .superRefine((s, ctx) => {
    if (s.password !== undefined && s.password_env !== undefined) ctx.addIssue({ code: 'custom', path: ['password_env'], message: 'either password or password_env, not both' });
    if ((s.password !== undefined || s.password_env !== undefined) && s.user === undefined) ctx.addIssue({ code: 'custom', path: ['user'], message: 'a password needs a user' });
  });
export type SmtpConfig = z.infer<typeof Smtp>;
