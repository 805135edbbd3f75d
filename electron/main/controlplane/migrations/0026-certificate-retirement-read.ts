/**
 * 0026: administrators read every enrolled certificate with its retirement. arx.admin_certificates
 * (0017) predates re-enrolment (0021) and returns retired certificates like current ones, so the
 * access review took an old card's expiry for the operator's. A shipped function is not changed
 * (its callers may rely on its columns): arx.admin_certificate_history adds retired_at, and the
 * console reads it instead. Retired certificates stay in the result: what they signed before
 * still verifies.
 */
export const sql = `
CREATE FUNCTION arx.admin_certificate_history() RETURNS TABLE (
  sha256 bytea, operator_id uuid, usage text, der bytea, not_after timestamptz, retired_at timestamptz
) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN QUERY SELECT c.sha256, c.operator_id, c.usage, c.der, c.not_after, c.retired_at FROM arx.operator_certificates c;
END
$f$;
ALTER FUNCTION arx.admin_certificate_history() OWNER TO arx_owner;
REVOKE ALL ON FUNCTION arx.admin_certificate_history() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arx.admin_certificate_history() TO arx_operator;
`;
