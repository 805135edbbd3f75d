/**
 * 0023: an operator's row policy asks once per query whether the operator holds a role in the
 * tenant set for the session. arx.operator_in_tenant(tenant_id) is a SECURITY DEFINER function
 * (never inlined) and ran for every row scanned, and a policy's column-free condition is still
 * evaluated per row (PostgreSQL keeps security quals at the scan); an uncorrelated sub-select is
 * planned as an InitPlan, run once, and each row then only reads its result. The rows are those
 * of the tenant set either way (tenant_id = arx.current_tenant()), so the same rows are visible.
 */
export const sql = `
DO $$
DECLARE p record;
DECLARE col text;
BEGIN
  FOR p IN SELECT tablename FROM pg_policies WHERE schemaname = 'arx' AND policyname = 'operator_scope' LOOP
    col := CASE p.tablename WHEN 'tenants' THEN 'id' ELSE 'tenant_id' END;
    EXECUTE format(
      'ALTER POLICY operator_scope ON arx.%I USING (%I = arx.current_tenant() AND (SELECT arx.operator_in_tenant(arx.current_tenant())))',
      p.tablename, col);
  END LOOP;
END $$;
`;
