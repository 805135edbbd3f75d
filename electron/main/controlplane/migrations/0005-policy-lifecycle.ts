/**
 * 0005: the policy lifecycle. Drafts saved continuously per author; the publication
 * history (append-only: which version became active when, by whom, and whether by rollback), from
 * which the gateway picks the newest version whose signatures verify; and rollbacks, which need a
 * requester's and a different approver's card signatures like a version does.
 */
export const sql = `
CREATE TABLE arx.policy_drafts (
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  operator_id uuid NOT NULL REFERENCES arx.operators(id),
  policy_name text NOT NULL CHECK (policy_name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  base_sha256 bytea CHECK (base_sha256 IS NULL OR length(base_sha256) = 32),
  policy_text text NOT NULL,
  schema_text text NOT NULL,
  tests jsonb NOT NULL,
  saved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, operator_id, policy_name)
);

CREATE TABLE arx.policy_rollbacks (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  policy_id uuid NOT NULL REFERENCES arx.policies(id),
  to_sha256 bytea NOT NULL,
  from_sha256 bytea,
  requested_by uuid NOT NULL REFERENCES arx.operators(id),
  request_certificate_sha256 bytea NOT NULL,
  request_envelope jsonb NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  approved_by uuid REFERENCES arx.operators(id),
  approval_certificate_sha256 bytea,
  approval_envelope jsonb,
  approved_at timestamptz,
  state text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'applied', 'refused')),
  FOREIGN KEY (tenant_id, to_sha256) REFERENCES arx.policy_versions (tenant_id, sha256),
  CHECK (approved_by IS NULL OR approved_by <> requested_by)
);
CREATE INDEX policy_rollbacks_policy ON arx.policy_rollbacks (tenant_id, policy_id, requested_at);

CREATE TABLE arx.policy_publications (
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  policy_id uuid NOT NULL REFERENCES arx.policies(id),
  seq integer NOT NULL CHECK (seq >= 0),
  version_sha256 bytea NOT NULL,
  kind text NOT NULL CHECK (kind IN ('publish', 'rollback')),
  rollback_id uuid REFERENCES arx.policy_rollbacks(id),
  published_by uuid NOT NULL REFERENCES arx.operators(id),
  published_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, policy_id, seq),
  FOREIGN KEY (tenant_id, version_sha256) REFERENCES arx.policy_versions (tenant_id, sha256),
  CHECK ((kind = 'rollback') = (rollback_id IS NOT NULL))
);

CREATE TRIGGER policy_publications_append_only BEFORE UPDATE OR DELETE ON arx.policy_publications
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER policy_rollbacks_no_delete BEFORE DELETE ON arx.policy_rollbacks
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['policy_drafts', 'policy_rollbacks', 'policy_publications'] LOOP
    EXECUTE format('ALTER TABLE arx.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE arx.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON arx.%I USING (tenant_id = arx.current_tenant()) WITH CHECK (tenant_id = arx.current_tenant())', t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON arx.policy_drafts TO arx_console;
GRANT SELECT ON arx.policy_rollbacks, arx.policy_publications TO arx_console, arx_gateway;
GRANT INSERT ON arx.policy_rollbacks, arx.policy_publications TO arx_console;
GRANT UPDATE (approved_by, approval_certificate_sha256, approval_envelope, approved_at, state) ON arx.policy_rollbacks TO arx_console;
`;
