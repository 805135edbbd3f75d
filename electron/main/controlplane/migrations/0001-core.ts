/**
 * 0001: roles, tenants, the organisation hierarchy, operators and their certificates, role grants.
 *
 * Roles (cluster-wide, NOLOGIN; deployments grant them to login roles):
 *   arx_console  the console: reads what it reviews, writes policy lifecycle and review rows
 *   arx_gateway  the gateway (and the simulator): appends audit events and checkpoints
 * Neither owns a table, neither is a superuser, neither has BYPASSRLS: row-level security binds them.
 */
export const sql = `
-- Roles are cluster-wide; two databases migrating at once may race to create them.
DO $$ BEGIN
  CREATE ROLE arx_console NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$ BEGIN
  CREATE ROLE arx_gateway NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

CREATE SCHEMA IF NOT EXISTS arx;
REVOKE ALL ON SCHEMA arx FROM PUBLIC;
GRANT USAGE ON SCHEMA arx TO arx_console, arx_gateway;

-- The tenant a session was opened for; every tenant policy compares against it. Unset means
-- no tenant, which matches no row (NULL never equals anything).
CREATE FUNCTION arx.current_tenant() RETURNS uuid LANGUAGE sql STABLE AS $f$
  SELECT nullif(current_setting('arx.tenant_id', true), '')::uuid
$f$;

CREATE TABLE arx.tenants (
  id uuid PRIMARY KEY,
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE arx.org_units (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  parent_id uuid REFERENCES arx.org_units(id),
  kind text NOT NULL CHECK (kind IN ('organisation', 'team')),
  name text NOT NULL,
  UNIQUE (tenant_id, parent_id, name)
);
CREATE INDEX org_units_tenant ON arx.org_units (tenant_id);

CREATE TABLE arx.operators (
  id uuid PRIMARY KEY,
  edipi char(10) NOT NULL UNIQUE CHECK (edipi ~ '^[0-9]{10}$'),
  display_name text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE arx.operator_certificates (
  sha256 bytea PRIMARY KEY CHECK (length(sha256) = 32),
  operator_id uuid NOT NULL REFERENCES arx.operators(id),
  usage text NOT NULL CHECK (usage IN ('piv-auth', 'signature', 'key-management', 'card-auth', 'cac-id')),
  subject text NOT NULL,
  not_after timestamptz NOT NULL,
  der bytea NOT NULL
);
CREATE INDEX operator_certificates_operator ON arx.operator_certificates (operator_id);

CREATE TABLE arx.role_grants (
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  operator_id uuid NOT NULL REFERENCES arx.operators(id),
  role text NOT NULL CHECK (role IN ('policy-author', 'approver', 'isso', 'auditor', 'administrator')),
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, operator_id, role)
);

ALTER TABLE arx.org_units ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.org_units FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON arx.org_units USING (tenant_id = arx.current_tenant()) WITH CHECK (tenant_id = arx.current_tenant());
ALTER TABLE arx.role_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.role_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON arx.role_grants USING (tenant_id = arx.current_tenant()) WITH CHECK (tenant_id = arx.current_tenant());
-- A session sees only the tenant it was opened for.
ALTER TABLE arx.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON arx.tenants USING (id = arx.current_tenant());

GRANT SELECT ON arx.tenants, arx.org_units, arx.operators, arx.operator_certificates, arx.role_grants TO arx_console, arx_gateway;
GRANT EXECUTE ON FUNCTION arx.current_tenant() TO arx_console, arx_gateway;
`;
