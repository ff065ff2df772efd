import type { Migration } from '../ledger/run-migrations.js';

/**
 * The tables of the configuration's versions, in the ledger's database and schema, as ordered
 * steps: like the ledger's own steps (src/ledger/ledger-migrations.ts), a step once released is
 * never edited. They are numbered apart from the ledger's (their own config_schema_migrations
 * table), so either list can grow without the other.
 *
 * The SQL names tables without a schema: the runner (runMigrations in src/ledger/run-migrations.ts) sets the transaction's
 * search_path to the schema before each step.
 */

export const VERSIONS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'config versions, live pointer, drafts and audit',
    sql: `
CREATE TABLE config_versions (
  version     integer PRIMARY KEY CHECK (version > 0),
  document    jsonb NOT NULL,
  author      text NOT NULL,
  comment     text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- A published version is what ran: a rollback publishes its document again as a new version,
-- so the history says what was live when, whatever code or operator connects.
CREATE FUNCTION config_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'config: % is append-only, % refused', TG_TABLE_NAME, TG_OP;
END
$$;
CREATE TRIGGER config_versions_append_only BEFORE UPDATE OR DELETE ON config_versions
  FOR EACH ROW EXECUTE FUNCTION config_refuse_change();
CREATE TRIGGER config_versions_no_truncate BEFORE TRUNCATE ON config_versions
  FOR EACH STATEMENT EXECUTE FUNCTION config_refuse_change();

-- one row at most: the version every process should run
CREATE TABLE config_live (
  one         boolean PRIMARY KEY DEFAULT true CHECK (one),
  version     integer NOT NULL REFERENCES config_versions (version),
  since       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE config_drafts (
  id            text PRIMARY KEY,
  document      jsonb NOT NULL,
  -- the live version the draft was made from: publishing it once another is live is refused
  base_version  integer REFERENCES config_versions (version),
  author        text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE config_audit (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  who         text NOT NULL,
  what        text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE TRIGGER config_audit_append_only BEFORE UPDATE OR DELETE ON config_audit
  FOR EACH ROW EXECUTE FUNCTION config_refuse_change();
CREATE TRIGGER config_audit_no_truncate BEFORE TRUNCATE ON config_audit
  FOR EACH STATEMENT EXECUTE FUNCTION config_refuse_change();
`,
  },
];
