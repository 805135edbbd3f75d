/**
 * 0019: the shared console role (arx_console) may no longer append to the chain. Every console
 * event is written by an operator's own login through a definer function, a refused login on the
 * embedded default by its cluster admin, and gateway events by the gateway's login; nothing the
 * console runs appends as arx_console. Its branches in arx.may_write and arx.shared_role_writer_ok
 * go too, so that granting EXECUTE back would still let it append nothing.
 */
export const sql = `
REVOKE EXECUTE ON FUNCTION arx.append_events(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[])
  FROM arx_console;

CREATE OR REPLACE FUNCTION arx.may_write(p_writer text) RETURNS boolean LANGUAGE sql STABLE
SET search_path = pg_catalog, arx AS $f$
  SELECT CASE p_writer
    WHEN 'gateway' THEN pg_has_role(session_user, 'arx_gateway', 'MEMBER')
    WHEN 'console' THEN (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
                     OR (pg_has_role(session_user, 'arx_operator', 'MEMBER') AND arx.operator_in_tenant(arx.current_tenant()))
    ELSE (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
  END
$f$;

CREATE OR REPLACE FUNCTION arx.shared_role_writer_ok(p_writer text, p_type text) RETURNS boolean LANGUAGE sql STABLE
SET search_path = pg_catalog, arx AS $f$
  SELECT CASE
    WHEN p_writer IS NULL THEN false
    WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
      THEN p_writer ~ '^(operator/[0-9a-f-]{36}|gateway/[a-z_][a-z0-9_$]{0,62}|console/[A-Za-z0-9._-]{1,64})$'
    ELSE false
  END
$f$;
`;
