import type { Migration } from './run-migrations.js';

/**
 * The ledger's PostgreSQL schema, as ordered steps. A step once released is never edited: a
 * database that already recorded its version would never see the edit. Change the schema by
 * appending a step.
 *
 * The SQL names tables without a schema: the runner (PostgresLedger.start) sets the
 * transaction's search_path to the ledger's schema before each step.
 */
export type LedgerMigration = Migration;

export const LEDGER_MIGRATIONS: readonly LedgerMigration[] = [
  {
    version: 1,
    name: 'events, entries and returns',
    sql: `
CREATE TABLE ledger_events (
  event_id      text PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('sale', 'credit')),
  lead_id       text NOT NULL,
  campaign      text NOT NULL,
  seller        text NOT NULL,
  sub_id        text,
  buyer         text NOT NULL,
  grade         text,
  price_micros  bigint NOT NULL,
  payout_micros bigint NOT NULL,
  -- business time: the buyer's accept for a sale, the approval for a credit
  at            timestamptz NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_events_at ON ledger_events (at);
CREATE INDEX ledger_events_buyer_at ON ledger_events (buyer, at);
CREATE INDEX ledger_events_sale_lead_buyer ON ledger_events (lead_id, buyer) WHERE kind = 'sale';

CREATE TABLE ledger_entries (
  id            bigserial PRIMARY KEY,
  event_id      text NOT NULL REFERENCES ledger_events (event_id),
  account       text NOT NULL,
  amount_micros bigint NOT NULL,
  at            timestamptz NOT NULL
);
CREATE INDEX ledger_entries_event ON ledger_entries (event_id);

-- The books are evidence: a figure once written is corrected by a later event (a credit), never
-- in place, so that any past balance can be recomputed and audited. The database refuses
-- otherwise, whatever code or operator connects.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger: % is append-only, % refused', TG_TABLE_NAME, TG_OP;
END
$$;
CREATE TRIGGER ledger_events_append_only BEFORE UPDATE OR DELETE ON ledger_events
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_events_no_truncate BEFORE TRUNCATE ON ledger_events
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

CREATE TABLE returns (
  id            text PRIMARY KEY,
  lead_id       text NOT NULL,
  buyer         text NOT NULL,
  seller        text NOT NULL,
  campaign      text NOT NULL,
  reason        text NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
  price_micros  bigint NOT NULL,
  payout_micros bigint NOT NULL,
  requested_at  timestamptz NOT NULL,
  decided_at    timestamptz,
  CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX returns_buyer_requested ON returns (buyer, requested_at);
CREATE INDEX returns_status_requested ON returns (status, requested_at);
`,
  },
  {
    version: 2,
    name: 'stats batches and rows',
    sql: `
-- a batch id recorded here is never recorded again: a process's flush read twice counts once
CREATE TABLE stats_batches (
  batch_id      text PRIMARY KEY,
  recorded_at   timestamptz NOT NULL DEFAULT now()
);

-- buyer '' is the leads' own row; ms holds the counts per auction-time bucket (AUCTION_MS_BUCKETS)
CREATE TABLE stats_rows (
  batch_id       text NOT NULL REFERENCES stats_batches (batch_id),
  hour           timestamptz NOT NULL,
  campaign       text NOT NULL,
  seller         text NOT NULL,
  buyer          text NOT NULL,
  leads          bigint NOT NULL,
  pings          bigint NOT NULL,
  bids           bigint NOT NULL,
  wins           bigint NOT NULL,
  posts_accepted bigint NOT NULL,
  posts_rejected bigint NOT NULL,
  ms             bigint[] NOT NULL
);
CREATE INDEX stats_rows_hour ON stats_rows (hour);

-- counts once recorded are evidence too: the same refusal as the books
CREATE TRIGGER stats_batches_append_only BEFORE UPDATE OR DELETE ON stats_batches
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER stats_batches_no_truncate BEFORE TRUNCATE ON stats_batches
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER stats_rows_append_only BEFORE UPDATE OR DELETE ON stats_rows
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER stats_rows_no_truncate BEFORE TRUNCATE ON stats_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
`,
  },
  {
    version: 3,
    name: "a seller's sales by time",
    // GET /v1/sales for a seller reads its sales newest first (a buyer's have ledger_events_buyer_at)
    sql: `CREATE INDEX ledger_events_seller_at ON ledger_events (seller, at) WHERE kind = 'sale';`,
  },
  {
    version: 4,
    name: 'A/B test arms of sales and leads',
    sql: `
-- a sale's campaign A/B test and arm, null when none ran (no rewrite: a null column is added in place)
ALTER TABLE ledger_events ADD COLUMN experiment text, ADD COLUMN arm text;
CREATE INDEX ledger_events_experiment ON ledger_events (campaign, experiment, arm, lead_id) WHERE kind = 'sale' AND experiment IS NOT NULL;

-- the leads each arm ran, per process flush and hour: what a test's fill and margin per lead divide by
CREATE TABLE arm_leads (
  batch_id   text NOT NULL REFERENCES stats_batches (batch_id),
  hour       timestamptz NOT NULL,
  campaign   text NOT NULL,
  experiment text NOT NULL,
  arm        text NOT NULL,
  leads      bigint NOT NULL
);
CREATE INDEX arm_leads_test ON arm_leads (campaign, experiment);

CREATE TRIGGER arm_leads_append_only BEFORE UPDATE OR DELETE ON arm_leads
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER arm_leads_no_truncate BEFORE TRUNCATE ON arm_leads
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
`,
  },
  {
    version: 5,
    name: "buyers' batch files",
    sql: `
-- leads sold to a buyer that takes files, waiting for its next batch; personal data sealed
CREATE TABLE batch_pending (
  buyer      text NOT NULL,
  lead_id    text NOT NULL,
  queued_at  timestamptz NOT NULL,
  sealed     text NOT NULL,
  PRIMARY KEY (buyer, lead_id)
);

-- one row per batch: its id is the buyer and its window's start, so building a window twice is one batch
CREATE TABLE batches (
  id            text PRIMARY KEY,
  buyer         text NOT NULL,
  file          text NOT NULL,
  window_start  timestamptz NOT NULL,
  built_at      timestamptz NOT NULL,
  delivered_at  timestamptz,
  state         text NOT NULL CHECK (state IN ('built', 'delivered')),
  leads         integer NOT NULL,
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  next_at       timestamptz,
  channel       text NOT NULL,
  -- the format and columns it was built with: a re-send renders the same bytes
  layout        text NOT NULL
);
CREATE INDEX batches_buyer_built ON batches (buyer, built_at DESC);
CREATE INDEX batches_due ON batches (buyer, next_at) WHERE state = 'built';

-- a lead is in one batch of its buyer (the primary key); its sealed data is dropped once delivered
CREATE TABLE batch_leads (
  buyer      text NOT NULL,
  lead_id    text NOT NULL,
  batch_id   text NOT NULL REFERENCES batches (id),
  queued_at  timestamptz NOT NULL,
  sealed     text,
  PRIMARY KEY (buyer, lead_id)
);
CREATE INDEX batch_leads_batch ON batch_leads (batch_id, queued_at, lead_id);

-- which process builds and sends a buyer's batches, until when
CREATE TABLE batch_leases (
  buyer   text PRIMARY KEY,
  holder  text NOT NULL,
  until   timestamptz NOT NULL
);
`,
  },
  {
    version: 6,
    name: "a lead's batch file, for its trace",
    sql: `CREATE INDEX batch_leads_lead ON batch_leads (lead_id);`,
  },
];
