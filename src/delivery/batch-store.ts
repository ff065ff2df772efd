/**
 * Where a buyer's batches live: its pending leads (sealed) and its batch records. PostgreSQL
 * when the ledger has one (batch-postgres-store.ts: every process shares it, and it survives
 * them), else this process's memory (batch-memory-store.ts: the embedded default, one process,
 * nothing kept across a restart).
 */

/** A lead waiting for its buyer's next batch: its personal data sealed (src/core/sealed.ts). */
export interface PendingLead {
  leadId: string;
  /** epoch ms it was queued */
  queuedAt: number;
  sealed: string;
}

export type BatchState = 'built' | 'delivered';

/** A batch as a party reads it: no personal data. */
export interface BatchSummary {
  id: string;
  buyer: string;
  file: string;
  /** epoch ms: the start of the window whose leads it holds (its id and its file name come from it) */
  windowStart: number;
  builtAt: number;
  deliveredAt: number | null;
  state: BatchState;
  leads: number;
  attempts: number;
  lastError: string | null;
  /** epoch ms of the next try, while it is not delivered */
  nextAt: number | null;
  /** sftp or email */
  channel: string;
}

/** A batch to send: its summary, how to render it (fixed when built), and its leads in file order. */
export interface BatchToSend extends BatchSummary {
  /** the batch config's format and columns as they were when it was built, so a re-send is the same bytes */
  layout: string;
  items: readonly PendingLead[];
}

export interface BuildRequest {
  buyer: string;
  id: string;
  file: string;
  windowStart: number;
  /** leads queued before this instant go in */
  before: number;
  at: number;
  layout: string;
  channel: string;
}

export interface BatchStore {
  readonly kind: 'memory' | 'postgres';
  /** queue a sold lead for its buyer's next batch; a lead already queued or batched for that buyer is left as it is */
  enqueue(buyer: string, lead: PendingLead): Promise<void>;
  /**
   * Take every lead the buyer queued before `before` into the batch `id`, in one step: the
   * batch record and its leads appear together and the leads leave the pending queue together.
   * A batch of that id already built is left as it is (true: built now). Nothing queued: no batch.
   */
  build(req: BuildRequest): Promise<boolean>;
  /** the buyer's batches not yet delivered whose next try is due, oldest first */
  due(buyer: string, now: number): Promise<BatchToSend[]>;
  /** delivered: its leads' sealed data is dropped (the buyer has them now; the ids stay) */
  delivered(id: string, at: number): Promise<void>;
  failed(id: string, error: string, nextAt: number): Promise<void>;
  /** the batches a lead is in (one per buyer that took it in files), for its trace */
  ofLead(leadId: string): Promise<BatchSummary[]>;
  /** newest first; a buyer's only when `buyer` is given */
  list(buyer: string | undefined, limit: number): Promise<BatchSummary[]>;
  /**
   * The one process that builds and sends this buyer's batches for `ms` from now: true when this
   * `holder` has it (taken, or renewed), false while another holds it.
   */
  lease(buyer: string, holder: string, now: number, ms: number): Promise<boolean>;
  close(): Promise<void>;
}
