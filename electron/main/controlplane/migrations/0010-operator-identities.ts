/**
 * 0010: each operator is their own database identity. An operator's login role (arx_op_<id>) is a
 * member of arx_operator only: it reads the rows of the tenants it holds a role in, and nothing
 * else whatever tenant it sets; it has no INSERT, UPDATE or DELETE on any table. Its password is
 * random, stored here only as a SCRAM verifier (in pg_authid) and as a wrap to the operator's
 * card key-management key, which arx_bootstrap (the one credential a workstation holds before a
 * card login) may read for one EDIPI at a time and nothing else.
 *
 * The shared application roles keep their tenant_isolation policies (now scoped to them): the
 * console moves onto operator identities as the definer functions for each change arrive.
 */
export const sql = `
DO $$ BEGIN
  CREATE ROLE arx_operator NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
DO $$ BEGIN
  CREATE ROLE arx_bootstrap NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
GRANT USAGE ON SCHEMA arx TO arx_operator, arx_bootstrap;

CREATE TABLE arx.operator_logins (
  operator_id uuid PRIMARY KEY REFERENCES arx.operators(id),
  db_role name NOT NULL UNIQUE CHECK (db_role ~ '^arx_op_[0-9a-f]{32}$'),
  wrap bytea NOT NULL CHECK (length(wrap) BETWEEN 16 AND 4096),
  wrap_key_sha256 bytea NOT NULL CHECK (length(wrap_key_sha256) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz
);
ALTER TABLE arx.operator_logins ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.operator_logins FORCE ROW LEVEL SECURITY;
CREATE POLICY definer_reads ON arx.operator_logins FOR SELECT TO arx_owner USING (true);
GRANT SELECT ON arx.operator_logins, arx.operators TO arx_owner;
CREATE POLICY definer_reads ON arx.role_grants FOR SELECT TO arx_owner USING (true);
GRANT SELECT ON arx.role_grants TO arx_owner;

-- The operator behind the connection (its login role), while enrolled and active.
CREATE FUNCTION arx.current_operator() RETURNS uuid LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, arx AS $f$
  SELECT l.operator_id FROM arx.operator_logins l JOIN arx.operators o ON o.id = l.operator_id
   WHERE l.db_role = session_user AND o.status = 'active'
$f$;
-- Whether that operator holds any role in a tenant: the only tenants its rows may come from.
CREATE FUNCTION arx.operator_in_tenant(p_tenant uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, arx AS $f$
  SELECT EXISTS (SELECT 1 FROM arx.role_grants g WHERE g.tenant_id = p_tenant AND g.operator_id = arx.current_operator())
$f$;
-- Before a card login: the wrapped credential of one EDIPI, nothing else.
CREATE FUNCTION arx.login_wrap(p_edipi text)
  RETURNS TABLE (db_role name, wrap bytea, wrap_key_sha256 bytea) LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, arx AS $f$
  SELECT l.db_role, l.wrap, l.wrap_key_sha256 FROM arx.operator_logins l JOIN arx.operators o ON o.id = l.operator_id
   WHERE o.edipi = p_edipi AND o.status = 'active'
$f$;
DO $$
DECLARE f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['arx.current_operator()', 'arx.operator_in_tenant(uuid)', 'arx.login_wrap(text)'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION arx.current_operator(), arx.operator_in_tenant(uuid) TO arx_operator, arx_owner;
GRANT EXECUTE ON FUNCTION arx.login_wrap(text) TO arx_bootstrap;
GRANT EXECUTE ON FUNCTION arx.current_tenant() TO arx_operator;

-- Every tenant table: the shared roles keep the tenant setting; an operator needs a role there too.
DO $$
DECLARE p record;
DECLARE col text;
BEGIN
  FOR p IN SELECT tablename FROM pg_policies WHERE schemaname = 'arx' AND policyname = 'tenant_isolation' LOOP
    col := CASE p.tablename WHEN 'tenants' THEN 'id' ELSE 'tenant_id' END;
    EXECUTE format('ALTER POLICY tenant_isolation ON arx.%I TO arx_console, arx_gateway, arx_owner', p.tablename);
    EXECUTE format(
      'CREATE POLICY operator_scope ON arx.%I FOR SELECT TO arx_operator USING (%I = arx.current_tenant() AND arx.operator_in_tenant(%I))',
      p.tablename, col, col);
    EXECUTE format('GRANT SELECT ON arx.%I TO arx_operator', p.tablename);
  END LOOP;
END $$;
GRANT SELECT ON arx.operators, arx.operator_certificates, arx.event_writers TO arx_operator;
`;
