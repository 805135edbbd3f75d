/**
 * 0017: what an administrator reads to administer, through SECURITY DEFINER functions (owner
 * arx_owner) that first check the caller is a control-plane administrator: every tenant, every
 * operator with their certificates' earliest expiry, the pending grant requests, every grant with
 * its provenance and every enrolled certificate (the access review). Row security keeps these
 * rows from an operator's own login otherwise. arx.admin_grants reads the system tenant's chain
 * (grants made at bootstrap), so it is called with the system tenant set. From PostgreSQL 16,
 * arx_login_admin (which disables logins) needs ADMIN OPTION on each operator's login role.
 */
export const sql = `
DO $$
DECLARE r name;
BEGIN
  IF current_setting('server_version_num')::int >= 160000 THEN
    FOR r IN SELECT db_role FROM arx.operator_logins LOOP
      EXECUTE format('GRANT %I TO arx_login_admin WITH ADMIN OPTION, INHERIT FALSE, SET FALSE', r);
    END LOOP;
  END IF;
END $$;
GRANT SELECT ON arx.operator_certificates TO arx_owner;

CREATE FUNCTION arx.admin_tenants() RETURNS TABLE (id uuid, slug text, name text, created_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN QUERY SELECT t.id, t.slug, t.name, t.created_at FROM arx.tenants t ORDER BY t.slug;
END
$f$;

CREATE FUNCTION arx.admin_operators() RETURNS TABLE (
  id uuid, edipi text, display_name text, status text, created_at timestamptz, certificates_expire timestamptz
) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN QUERY SELECT o.id, o.edipi::text, o.display_name, o.status, o.created_at,
                      (SELECT min(c.not_after) FROM arx.operator_certificates c WHERE c.operator_id = o.id)
                 FROM arx.operators o ORDER BY o.edipi;
END
$f$;

CREATE FUNCTION arx.admin_grant_requests() RETURNS TABLE (
  id uuid, tenant_id uuid, tenant_slug text, operator_id uuid, edipi text, role text,
  requested_by uuid, requested_at timestamptz
) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN QUERY SELECT q.id, q.tenant_id, t.slug, q.operator_id, o.edipi::text, q.role, q.requested_by, q.requested_at
                 FROM arx.role_grant_requests q JOIN arx.tenants t ON t.id = q.tenant_id
                 JOIN arx.operators o ON o.id = q.operator_id
                WHERE q.state = 'pending' ORDER BY q.requested_at;
END
$f$;

CREATE FUNCTION arx.admin_grants() RETURNS TABLE (
  tenant_id uuid, slug text, operator_id uuid, edipi text, display_name text, status text, role text,
  granted_at timestamptz, granted_by uuid, approved_by uuid, grant_envelope jsonb, approval_envelope jsonb,
  bootstrap_recorded boolean
) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN QUERY
    WITH boot AS (
      SELECT DISTINCT e.doc->'data'->>'operatorId' AS operator_id, e.doc->'data'->>'role' AS role
        FROM arx.audit_events e
       WHERE e.tenant_id = arx.system_tenant() AND e.type = 'com.arx.role.granted'
         AND e.doc->'data'->'by' = 'null'::jsonb)
    SELECT g.tenant_id, t.slug, g.operator_id, o.edipi::text, o.display_name, o.status, g.role, g.granted_at,
           g.granted_by, g.approved_by, g.grant_envelope, g.approval_envelope,
           (g.tenant_id = arx.system_tenant() AND EXISTS (
              SELECT 1 FROM boot b WHERE b.operator_id = g.operator_id::text AND b.role = g.role))
      FROM arx.role_grants g JOIN arx.operators o ON o.id = g.operator_id JOIN arx.tenants t ON t.id = g.tenant_id
     ORDER BY t.slug, o.edipi, g.role;
END
$f$;

CREATE FUNCTION arx.admin_certificates() RETURNS TABLE (
  sha256 bytea, operator_id uuid, usage text, der bytea, not_after timestamptz
) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN QUERY SELECT c.sha256, c.operator_id, c.usage, c.der, c.not_after FROM arx.operator_certificates c;
END
$f$;

DO $$
DECLARE f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['arx.admin_tenants()', 'arx.admin_operators()', 'arx.admin_grant_requests()',
                           'arx.admin_grants()', 'arx.admin_certificates()'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO arx_operator', f);
  END LOOP;
END $$;
`;
