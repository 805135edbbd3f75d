/**
 * Numbered, forward-only migrations of the local cache file (SQLite `PRAGMA user_version`).
 * Never edit a shipped one; add the next number. Nothing here holds plaintext of a cached value:
 * the `kind` and `state` columns and the row ids (keyed digests) are the only clear metadata.
 * They run when the file is opened, before any key is unwrapped (local-cache.ts `openDb`).
 */
export interface CacheMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * A migration that removes text which must not stay readable in the file ends by inserting this
 * meta row: the file is then VACUUMed and its WAL checkpointed and truncated, and the row deleted
 * only once that worked (retried at every open until it does; local-cache.ts `scrubIfPending`),
 * so that neither free pages nor old WAL frames keep the removed bytes (docs/cache.md, "Key wraps").
 * Migrations on an existing file also run with `secure_delete` on.
 */
export const SCRUB_PENDING = 'scrub_pending';

export const CACHE_MIGRATIONS: readonly CacheMigration[] = [
  {
    version: 1,
    name: 'core',
    sql: `
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;
-- The data key of each generation, wrapped to each recipient (card 9D keys, recovery key).
CREATE TABLE key_wraps (
  generation INTEGER NOT NULL,
  recipient TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('card', 'recovery')),
  kind TEXT NOT NULL CHECK (kind IN ('ec', 'rsa')),
  label TEXT NOT NULL,
  spki BLOB NOT NULL,
  exchange BLOB NOT NULL,
  salt BLOB NOT NULL,
  wrapped BLOB NOT NULL,
  PRIMARY KEY (generation, recipient)
) STRICT;
-- Cached values: id = HMAC(index key, kind ‖ key); key and value sealed (envelope.ts).
CREATE TABLE records (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  generation INTEGER NOT NULL,
  key_cell BLOB NOT NULL,
  value_cell BLOB NOT NULL,
  size INTEGER NOT NULL,
  refetchable INTEGER NOT NULL,
  last_access INTEGER NOT NULL
) STRICT;
CREATE INDEX records_lru ON records (refetchable, last_access);
CREATE INDEX records_generation ON records (generation);
-- Artifacts signed while offline, in order. state_cell seals the state at location state=<state>.
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  idempotency_key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  generation INTEGER NOT NULL,
  payload_cell BLOB NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'rejected')),
  state_cell BLOB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  error_cell BLOB
) STRICT;
CREATE INDEX outbox_generation ON outbox (generation);
`,
  },
  {
    // Version 1 kept each card's certificate subject (name, EDIPI) as the wrap's label and
    // its public key in clear. A wrap is found by the recipient id (SHA-256 of the SPKI) alone; a
    // card's label and public key are sealed in about_cell under the data key of the wrap's
    // generation (location key_wraps / "<generation>:<recipient>" / about), written when the wrap is
    // made or, for a wrap migrated from version 1, at the first unlock by that card (local-cache.ts).
    // The recovery key's public key (the organisation's) stays in clear. Version-1 card labels and
    // public keys cannot be sealed here (no key before unlock): they are dropped.
    version: 2,
    name: 'key wraps without clear labels',
    sql: `
CREATE TABLE key_wraps_v2 (
  generation INTEGER NOT NULL,
  recipient TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('card', 'recovery')),
  kind TEXT NOT NULL CHECK (kind IN ('ec', 'rsa')),
  spki BLOB CHECK ((role = 'recovery') = (spki IS NOT NULL)),
  exchange BLOB NOT NULL,
  salt BLOB NOT NULL,
  wrapped BLOB NOT NULL,
  about_cell BLOB,
  PRIMARY KEY (generation, recipient)
) STRICT;
INSERT INTO key_wraps_v2 (generation, recipient, role, kind, spki, exchange, salt, wrapped, about_cell)
  SELECT generation, recipient, role, kind, CASE WHEN role = 'recovery' THEN spki END, exchange, salt, wrapped, NULL FROM key_wraps;
DROP TABLE key_wraps;
ALTER TABLE key_wraps_v2 RENAME TO key_wraps;
INSERT INTO meta (name, value) VALUES ('scrub_pending', X'01') ON CONFLICT (name) DO NOTHING;
`,
  },
  {
    // Write cost: every put also wrote a page of records_generation (one of the few WAL frames of a
    // 1 KB write, test/bench/cache.bench.ts). The index only served a key rotation, which now
    // scans the table (re-sealed rows are re-inserted at the end, so the rows still under the old
    // generation stay at the front: each batch finds them at once). No format change of a cell.
    version: 3,
    name: 'no generation index on records',
    sql: `
DROP INDEX IF EXISTS records_generation;
`,
  },
  {
    // Hybrid recovery wraps: the ML-KEM-1024 ciphertext of a wrap, and the recovery key's ML-KEM
    // public key (kept so that a rotation wraps the new generation hybrid too). Classical wraps keep NULL.
    version: 4,
    name: 'hybrid ML-KEM-1024 recovery wraps',
    sql: `
ALTER TABLE key_wraps ADD COLUMN pq_ciphertext BLOB;
ALTER TABLE key_wraps ADD COLUMN pq_spki BLOB;
`,
  },
];
