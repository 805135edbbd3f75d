/**
 * 0004: operator lookup at login. role_grants is under forced row-level security per tenant, but
 * a login must learn every tenant an operator holds roles in before any tenant is chosen. This
 * SECURITY DEFINER function answers exactly that question and nothing else. Its owner (the
 * migration role) must be allowed to read role_grants across tenants (a superuser or BYPASSRLS).
 */
export const sql = `
CREATE FUNCTION arx.operator_grants(p_operator uuid)
  RETURNS TABLE (tenant_id uuid, tenant_slug text, role text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = arx, pg_temp AS $f$
    SELECT g.tenant_id, t.slug, g.role
    FROM arx.role_grants g JOIN arx.tenants t ON t.id = g.tenant_id
    WHERE g.operator_id = p_operator
    ORDER BY t.slug, g.role
$f$;
REVOKE ALL ON FUNCTION arx.operator_grants(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arx.operator_grants(uuid) TO arx_console;
`;
