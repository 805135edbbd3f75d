/**
 * 0002: the append-only audit log, gateway signing keys and checkpoints.
 *
 * Events are stored as the exact bytes that were hashed (bytes) next to a jsonb copy for queries
 * (doc); hashes are always over bytes (DESIGN.md, "Data formats"). seq is contiguous per tenant.
 * Append-only: no UPDATE/DELETE/TRUNCATE grant for the application roles, and triggers that refuse
 * them for everyone else short of a superuser disabling triggers, which the chain then exposes.
 */
export const sql = `
CREATE TABLE arx.gateway_keys (
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  key_name text NOT NULL,
  algorithm text NOT NULL CHECK (algorithm = 'ed25519'),
  public_key bytea NOT NULL CHECK (length(public_key) = 32),
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  PRIMARY KEY (tenant_id, key_name),
  CHECK (valid_to IS NULL OR valid_to > valid_from)
);

CREATE TABLE arx.audit_events (
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  seq bigint NOT NULL CHECK (seq >= 0),
  event_id text NOT NULL,
  type text NOT NULL,
  time timestamptz NOT NULL,
  bytes bytea NOT NULL,
  doc jsonb NOT NULL,
  event_digest bytea NOT NULL CHECK (length(event_digest) = 32),
  chain_hash bytea NOT NULL CHECK (length(chain_hash) = 32),
  PRIMARY KEY (tenant_id, seq),
  UNIQUE (tenant_id, event_id)
);
CREATE INDEX audit_events_type_time ON arx.audit_events (tenant_id, type, time);
CREATE INDEX audit_events_time ON arx.audit_events (tenant_id, time);

CREATE TABLE arx.checkpoints (
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  tree_size bigint NOT NULL CHECK (tree_size >= 0),
  root bytea NOT NULL CHECK (length(root) = 32),
  note text NOT NULL,
  key_name text NOT NULL,
  issued_at timestamptz NOT NULL,
  consistency_proof bytea[] NOT NULL DEFAULT '{}',
  -- A checkpoint is issued every N events or T minutes, also when nothing happened (so silence is
  -- provable): the same tree size may be signed again at a later time.
  PRIMARY KEY (tenant_id, tree_size, key_name, issued_at)
);

CREATE FUNCTION arx.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  RAISE EXCEPTION 'arx: % on %.% is refused: the audit log is append-only', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$f$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON arx.audit_events
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON arx.audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON arx.checkpoints
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON arx.checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER gateway_keys_append_only BEFORE DELETE ON arx.gateway_keys
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();

ALTER TABLE arx.gateway_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.gateway_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON arx.gateway_keys USING (tenant_id = arx.current_tenant()) WITH CHECK (tenant_id = arx.current_tenant());
ALTER TABLE arx.audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON arx.audit_events USING (tenant_id = arx.current_tenant()) WITH CHECK (tenant_id = arx.current_tenant());
ALTER TABLE arx.checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON arx.checkpoints USING (tenant_id = arx.current_tenant()) WITH CHECK (tenant_id = arx.current_tenant());

GRANT SELECT ON arx.gateway_keys, arx.audit_events, arx.checkpoints TO arx_console, arx_gateway;
GRANT INSERT ON arx.audit_events, arx.checkpoints TO arx_gateway, arx_console;
REVOKE UPDATE, DELETE, TRUNCATE ON arx.audit_events, arx.checkpoints FROM arx_console, arx_gateway, PUBLIC;
`;
