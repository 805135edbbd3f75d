/**
 * 0015: before a card login, the bootstrap credential may also ask whether an EDIPI's operator is
 * enrolled and active, disabled, or unknown (arx.login_wrap answers only for active operators), so
 * that a disabled operator is told so. It reveals nothing login_wrap does not already reveal about
 * an EDIPI, and no credential.
 */
export const sql = `
CREATE FUNCTION arx.login_state(p_edipi text) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, arx AS $f$
  SELECT o.status FROM arx.operators o JOIN arx.operator_logins l ON l.operator_id = o.id WHERE o.edipi = p_edipi
$f$;
ALTER FUNCTION arx.login_state(text) OWNER TO arx_owner;
REVOKE ALL ON FUNCTION arx.login_state(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arx.login_state(text) TO arx_bootstrap;
`;
