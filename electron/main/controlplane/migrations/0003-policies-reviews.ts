/**
 * 0003: policies, immutable content-addressed policy versions with their signatures, and signed
 * reviews (fidelity certificates). A version row never changes: its digest is its identity.
 */
export const sql = `
CREATE TABLE arx.policies (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  name text NOT NULL,
  active_version_sha256 bytea,
  UNIQUE (tenant_id, name)
);

-- Content-addressed within a tenant: the same text in two tenants is two versions, each under
-- its own tenant's row-level security and signatures.
CREATE TABLE arx.policy_versions (
  sha256 bytea NOT NULL CHECK (length(sha256) = 32),
  blake3 bytea NOT NULL CHECK (length(blake3) = 32),
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  policy_id uuid NOT NULL REFERENCES arx.policies(id),
  parent_sha256 bytea,
  policy_text text NOT NULL,
  schema_text text NOT NULL,
  tests jsonb NOT NULL,
  author_id uuid NOT NULL REFERENCES arx.operators(id),
  state text NOT NULL CHECK (state IN ('submitted', 'approved', 'published', 'superseded', 'rejected')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, sha256),
  FOREIGN KEY (tenant_id, parent_sha256) REFERENCES arx.policy_versions (tenant_id, sha256)
);
CREATE INDEX policy_versions_policy ON arx.policy_versions (tenant_id, policy_id, created_at);

CREATE TABLE arx.policy_signatures (
  version_sha256 bytea NOT NULL,
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  operator_id uuid NOT NULL REFERENCES arx.operators(id),
  role text NOT NULL CHECK (role IN ('author', 'approver')),
  certificate_sha256 bytea NOT NULL,
  envelope jsonb NOT NULL,
  signed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, version_sha256, role, operator_id),
  FOREIGN KEY (tenant_id, version_sha256) REFERENCES arx.policy_versions (tenant_id, sha256)
);

CREATE TABLE arx.review_certificates (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  signer_id uuid NOT NULL REFERENCES arx.operators(id),
  from_seq bigint NOT NULL,
  to_seq bigint NOT NULL CHECK (to_seq >= from_seq),
  envelope jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_certificates_tenant ON arx.review_certificates (tenant_id, created_at);

CREATE TRIGGER policy_versions_immutable BEFORE DELETE ON arx.policy_versions
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER policy_signatures_append_only BEFORE UPDATE OR DELETE ON arx.policy_signatures
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER review_certificates_append_only BEFORE UPDATE OR DELETE ON arx.review_certificates
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();

-- Only the lifecycle state of a version may change; its content never does.
CREATE FUNCTION arx.policy_version_content_immutable() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF (NEW.sha256, NEW.blake3, NEW.tenant_id, NEW.policy_id, NEW.parent_sha256, NEW.policy_text, NEW.schema_text, NEW.tests, NEW.author_id, NEW.created_at)
     IS DISTINCT FROM
     (OLD.sha256, OLD.blake3, OLD.tenant_id, OLD.policy_id, OLD.parent_sha256, OLD.policy_text, OLD.schema_text, OLD.tests, OLD.author_id, OLD.created_at) THEN
    RAISE EXCEPTION 'arx: a policy version is immutable' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$f$;
CREATE TRIGGER policy_versions_content_immutable BEFORE UPDATE ON arx.policy_versions
  FOR EACH ROW EXECUTE FUNCTION arx.policy_version_content_immutable();

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['policies', 'policy_versions', 'policy_signatures', 'review_certificates'] LOOP
    EXECUTE format('ALTER TABLE arx.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE arx.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON arx.%I USING (tenant_id = arx.current_tenant()) WITH CHECK (tenant_id = arx.current_tenant())', t);
  END LOOP;
END $$;

GRANT SELECT ON arx.policies, arx.policy_versions, arx.policy_signatures, arx.review_certificates TO arx_console, arx_gateway;
GRANT INSERT ON arx.policies, arx.policy_versions, arx.policy_signatures, arx.review_certificates TO arx_console;
GRANT UPDATE (active_version_sha256) ON arx.policies TO arx_console;
GRANT UPDATE (state) ON arx.policy_versions TO arx_console;
`;
