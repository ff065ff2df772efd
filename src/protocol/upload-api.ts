import { z } from 'zod';

/**
 * An upload as GET /v1/uploads/{id} (and the 202 of POST /v1/uploads) shows it: where its rows
 * are, and what became of those done. The schema the published document is generated from; the
 * route builds its answers to this type.
 */
export const UploadAnswer = z.object({
  id: z.string().meta({ description: 'the upload id: up_ and 16 URL-safe characters' }),
  seller: z.string(),
  campaign: z.string(),
  format: z.enum(['csv', 'jsonl']),
  state: z.enum(['queued', 'running', 'done']),
  bytes: z.int().nonnegative().meta({ description: 'the size of the file as received' }),
  created_at: z.iso.datetime(),
  finished_at: z.iso.datetime().nullable(),
  rows_read: z.int().nonnegative().meta({ description: 'rows read from the file so far (all of them once done)' }),
  rows_done: z.int().nonnegative().meta({ description: 'rows with an outcome' }),
  sold: z.int().nonnegative(),
  rejected: z.record(z.string(), z.int().nonnegative()).meta({ description: 'rejected rows by reason code (DUPLICATE, NO_BID, POST_REJECTED, UPLOAD_INTERRUPTED, ...)' }),
  invalid: z.int().nonnegative().meta({ description: 'rows that are not a valid lead (INVALID_LEAD) or could not be read (UPLOAD_BAD_ROW)' }),
  results_url: z.string().meta({ description: "each row's outcome as CSV: row, lead_id, outcome, code, price, problems" }),
});
export type UploadAnswer = z.infer<typeof UploadAnswer>;
