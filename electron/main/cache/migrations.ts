/**
 * Numbered, forward-only migrations of the local cache file (SQLite `PRAGMA user_version`).
 * Never edit a shipped one; add the next number. Nothing here holds plaintext of a cached value:
 * the `kind` and `state` columns and the row ids (keyed digests) are the only clear metadata.
 */
export interface CacheMigration {
  version: number;
  name: string;
  sql: string;
}

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
];
