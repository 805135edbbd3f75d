/**
 * 0024: an operator's row policy compares each row's tenant with one value, computed once per
 * query: arx.operator_tenant(), the tenant set for the session if the operator behind the
 * connection (active, enrolled) holds a role there, else NULL (no row). 0023's policy kept the
 * tenant setting as the row condition and the role check as a separate boolean InitPlan: a Filter
 * on every row the scan returns, which the planner counts as halving the rows (it assumes 50 % for
 * an unknown boolean) and so costs plans it did not need to, and a call of a SQL-language definer
 * function that nests another (arx.current_operator()), both parsed and planned again in every
 * query. The function here is PL/pgSQL, whose statement plan is kept for the connection, and its
 * value sits in the scan's index condition (tenant_id = InitPlan), where tenant_isolation has the
 * setting. Same rows: tenant_id equals the setting, and the operator holds a role in that tenant.
 * Measured against 0023, a security-barrier view of the caller's grants (inlined: planned in
 * every query, slower still) and no check at all: docs/benchmarks.md "explorer".
 */
export const sql = `
CREATE FUNCTION arx.operator_tenant() RETURNS uuid LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, arx, pg_temp AS $f$
DECLARE t uuid := arx.current_tenant();
BEGIN
  IF t IS NULL THEN RETURN NULL; END IF;
  PERFORM FROM arx.role_grants g
    JOIN arx.operator_logins l ON l.operator_id = g.operator_id
    JOIN arx.operators o ON o.id = l.operator_id
   WHERE g.tenant_id = t AND l.db_role = session_user AND o.status = 'active';
  IF FOUND THEN RETURN t; END IF;
  RETURN NULL;
END
$f$;
ALTER FUNCTION arx.operator_tenant() OWNER TO arx_owner;
REVOKE ALL ON FUNCTION arx.operator_tenant() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arx.operator_tenant() TO arx_operator;

DO $$
DECLARE p record;
DECLARE col text;
BEGIN
  FOR p IN SELECT tablename FROM pg_policies WHERE schemaname = 'arx' AND policyname = 'operator_scope' LOOP
    col := CASE p.tablename WHEN 'tenants' THEN 'id' ELSE 'tenant_id' END;
    EXECUTE format('ALTER POLICY operator_scope ON arx.%I USING (%I = (SELECT arx.operator_tenant()))', p.tablename, col);
  END LOOP;
END $$;
`;
