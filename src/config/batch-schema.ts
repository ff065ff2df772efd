import { z } from 'zod';
import { DURATION, durationMs } from '../core/duration.js';
import { Source } from './template-schema.js';

/** An SFTP folder: key authentication only (a password in a config file is one more secret to leak). */
export const SftpTarget = z
  .strictObject({
    host: z.string().min(1).max(253),
    port: z.int().min(1).max(65_535).default(22),
    user: z.string().min(1).max(128),
    /** the private key in OpenSSH or PEM form, or (better) the name of the environment variable holding it */
    private_key: z.string().min(1).optional(),
    private_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
    folder: z.string().min(1).max(512).default('.'),
    /**
     * the server's host key, pinned: its SHA256 fingerprint as `ssh-keygen -lf` prints it
     * (`SHA256:...`). Without it a man in the middle could take the buyer's leads, personal data
     * and all, so a connection to any other key is refused.
     */
    host_key: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'SHA256:<base64>, as ssh-keygen -lf prints it'),
  })
  .refine((s) => (s.private_key === undefined) !== (s.private_key_env === undefined), 'either private_key or private_key_env');

export const EmailTarget = z.strictObject({ to: z.array(z.email()).min(1).max(16) });

/**
 * A buyer's leads as files on a schedule: CSV (its `columns` in the order written, each a
 * template source) or JSON lines, every `every` or daily `at` a local time in the buyer's
 * caps.timezone, to an SFTP folder or as an e-mail attachment.
 */
export const BatchDelivery = z
  .strictObject({
    format: z.enum(['csv', 'jsonl']),
    /**
     * csv: the columns in order, each `{ Header: <source> }` (the sources and transforms of request
     * templates). A list, not one map: a configuration version kept in PostgreSQL (jsonb) keeps no
     * key order, and a file's columns must not move.
     */
    columns: z
      .array(z.record(z.string().min(1).max(128), Source).refine((c) => Object.keys(c).length === 1, 'one column per item: { Header: source }'))
      .max(256)
      .transform((cs) => cs.map((c) => Object.entries(c)[0]!))
      .optional(),
    every: z
      .string()
      .regex(DURATION)
      .refine((d) => durationMs(d) >= 1000 && durationMs(d) <= 86_400_000, 'between 1s and 1d')
      .optional(),
    at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour').optional(),
    sftp: SftpTarget.optional(),
    email: EmailTarget.optional(),
    /** the longest one upload or e-mail may take; a process holds a buyer's batches for twice that, and a little, per try */
    timeout: z
      .string()
      .regex(DURATION)
      .refine((d) => durationMs(d) >= 1000 && durationMs(d) <= 600_000, 'between 1s and 10m')
      .default('30s'),
    /** the first retry of a failed delivery; each next one waits twice as long, up to an hour */
    retry_after: z.string().regex(DURATION).default('30s'),
  })
  .superRefine((b, ctx) => {
    if ((b.every === undefined) === (b.at === undefined)) ctx.addIssue({ code: 'custom', path: ['every'], message: 'either every (15m) or at (07:00)' });
    if ((b.sftp === undefined) === (b.email === undefined)) ctx.addIssue({ code: 'custom', path: ['sftp'], message: 'either sftp or email' });
    if (b.format === 'csv' && (b.columns === undefined || b.columns.length === 0)) ctx.addIssue({ code: 'custom', path: ['columns'], message: 'a csv batch names its columns' });
    if (b.format === 'jsonl' && b.columns !== undefined) ctx.addIssue({ code: 'custom', path: ['columns'], message: 'columns are for csv (a jsonl line is the whole lead)' });
  });
export type BatchDelivery = z.infer<typeof BatchDelivery>;
