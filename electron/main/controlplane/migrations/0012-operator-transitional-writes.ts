/**
 * 0012: the console runs as the logged-in operator's own login role (a member of arx_operator).
 *
 * TRANSITIONAL: until the console's repositories make every change through the SECURITY DEFINER
 * functions of 0011 (which check the role and the two-person rule and append the audit event in
 * the same transaction), arx_operator gets exactly the table rights arx_console has, row policies
 * that confine each write to a tenant the operator holds a role in (WITH CHECK
 * arx.operator_in_tenant), and may append console events through arx.append_events. The migration
 * that moves the repositories onto the definer functions revokes every grant and policy below
 * marked transitional (TRANSITIONAL_OPERATOR_WRITES lists the tables).
 *
 * Not transitional: arx.current_operator_grants(), the login's own question "which tenants and
 * roles do I hold?", answered for the connected operator only.
 */
/** The tables arx_operator may write directly while this migration's grants last. */
export const TRANSITIONAL_OPERATOR_WRITES: readonly string[] = [
  'policies',
  'policy_versions',
  'policy_signatures',
  'review_certificates',
  'policy_drafts',
  'policy_rollbacks',
  'policy_publications',
  'outbox_receipts',
  'cache_anchors',
];

export const sql = `
-- transitional: the table rights arx_console has (migrations 0003, 0005, 0007, 0008).
GRANT INSERT ON arx.policies, arx.policy_versions, arx.policy_signatures, arx.review_certificates TO arx_operator;
GRANT UPDATE (active_version_sha256) ON arx.policies TO arx_operator;
GRANT UPDATE (state) ON arx.policy_versions TO arx_operator;
GRANT SELECT, INSERT, UPDATE, DELETE ON arx.policy_drafts TO arx_operator;
GRANT INSERT ON arx.policy_rollbacks, arx.policy_publications TO arx_operator;
GRANT UPDATE (approved_by, approval_certificate_sha256, approval_envelope, approved_at, state) ON arx.policy_rollbacks TO arx_operator;
GRANT SELECT, INSERT ON arx.outbox_receipts, arx.cache_anchors TO arx_operator;

-- transitional: each write stays inside the transaction's tenant, and only one the operator holds a role in.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[${TRANSITIONAL_OPERATOR_WRITES.map((t) => `'${t}'`).join(', ')}] LOOP
    EXECUTE format(
      'CREATE POLICY operator_insert ON arx.%I FOR INSERT TO arx_operator
         WITH CHECK (tenant_id = arx.current_tenant() AND arx.operator_in_tenant(tenant_id))', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['policies', 'policy_versions', 'policy_drafts', 'policy_rollbacks'] LOOP
    EXECUTE format(
      'CREATE POLICY operator_update ON arx.%I FOR UPDATE TO arx_operator
         USING (tenant_id = arx.current_tenant() AND arx.operator_in_tenant(tenant_id))
         WITH CHECK (tenant_id = arx.current_tenant() AND arx.operator_in_tenant(tenant_id))', t);
  END LOOP;
END $$;
CREATE POLICY operator_delete ON arx.policy_drafts FOR DELETE TO arx_operator
  USING (tenant_id = arx.current_tenant() AND arx.operator_in_tenant(tenant_id));

-- transitional: operators append console events as the console role did (writer class 'console'),
-- only into a tenant they hold a role in (append_events already requires the transaction's tenant).
CREATE OR REPLACE FUNCTION arx.may_write(p_writer text) RETURNS boolean LANGUAGE sql STABLE
SET search_path = pg_catalog, arx AS $f$
  SELECT CASE p_writer
    WHEN 'gateway' THEN pg_has_role(session_user, 'arx_gateway', 'MEMBER')
    WHEN 'console' THEN pg_has_role(session_user, 'arx_console', 'MEMBER')
                     OR (pg_has_role(session_user, 'arx_operator', 'MEMBER') AND arx.operator_in_tenant(arx.current_tenant()))
    ELSE (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
  END
$f$;
GRANT EXECUTE ON FUNCTION arx.append_events(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[])
  TO arx_operator;

-- The connected operator's tenants and roles (the login reads them before any tenant is chosen).
CREATE FUNCTION arx.current_operator_grants()
  RETURNS TABLE (tenant_id uuid, tenant_slug text, role text) LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, arx AS $f$
  SELECT g.tenant_id, t.slug, g.role
    FROM arx.role_grants g JOIN arx.tenants t ON t.id = g.tenant_id
   WHERE g.operator_id = arx.current_operator()
   ORDER BY t.slug, g.role
$f$;
GRANT SELECT ON arx.tenants TO arx_owner;
CREATE POLICY definer_reads ON arx.tenants FOR SELECT TO arx_owner USING (true);
ALTER FUNCTION arx.current_operator_grants() OWNER TO arx_owner;
REVOKE ALL ON FUNCTION arx.current_operator_grants() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arx.current_operator_grants() TO arx_operator;
`;
