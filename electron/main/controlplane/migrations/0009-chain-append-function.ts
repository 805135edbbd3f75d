/**
 * 0009: the audit chain is appended only through arx.append_events (zero trust: the control plane,
 * not the workstation, decides who wrote what). Neither application role may INSERT into the log
 * any more; the console may not insert checkpoints at all.
 *
 * The function runs as arx_owner (NOLOGIN, owns nothing else) with a pinned search_path. Under the
 * chain lock it checks that the rows continue the stored chain (contiguous seq from the head), that
 * each row's bytes parse and say what the row says (id, type, sequence, tenant), and that the
 * connection's login role may write each event type (event_writers: gateway types only for
 * arx_gateway members, console types only for arx_console members, administration types for
 * neither). PostgreSQL has no BLAKE3: digests and links are computed by the caller and recomputed
 * from the bytes by the checkpointer and every verifier.
 */
export const sql = `
DO $$ BEGIN
  CREATE ROLE arx_owner NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
GRANT USAGE ON SCHEMA arx TO arx_owner;
GRANT SELECT, INSERT ON arx.audit_events TO arx_owner;
GRANT EXECUTE ON FUNCTION arx.current_tenant() TO arx_owner;

CREATE TABLE arx.event_writers (
  type text PRIMARY KEY CHECK (type ~ '^com\\.arx\\.[a-z]+\\.[a-z]+$'),
  writer text NOT NULL CHECK (writer IN ('gateway', 'console', 'administration'))
);
INSERT INTO arx.event_writers (type, writer) VALUES
  ('com.arx.request.received', 'gateway'), ('com.arx.policy.decided', 'gateway'),
  ('com.arx.request.routed', 'gateway'), ('com.arx.provider.called', 'gateway'),
  ('com.arx.provider.responded', 'gateway'), ('com.arx.response.returned', 'gateway'),
  ('com.arx.content.redacted', 'gateway'), ('com.arx.cost.recorded', 'gateway'),
  ('com.arx.budget.exceeded', 'gateway'), ('com.arx.checkpoint.issued', 'gateway'),
  ('com.arx.session.opened', 'console'), ('com.arx.session.refused', 'console'),
  ('com.arx.session.closed', 'console'), ('com.arx.policy.submitted', 'console'),
  ('com.arx.policy.approved', 'console'), ('com.arx.policy.published', 'console'),
  ('com.arx.policy.rolledback', 'console'), ('com.arx.policy.rejected', 'console'),
  ('com.arx.policy.rollbackrequested', 'console'), ('com.arx.review.signed', 'console'),
  ('com.arx.bundle.exported', 'console'),
  ('com.arx.role.granted', 'administration'), ('com.arx.role.revoked', 'administration');
GRANT SELECT ON arx.event_writers TO arx_owner, arx_console, arx_gateway;

-- Who is behind the connection: the login role (session_user), whatever role it has SET to.
CREATE FUNCTION arx.may_write(p_writer text) RETURNS boolean LANGUAGE sql STABLE
SET search_path = pg_catalog, arx AS $f$
  SELECT CASE p_writer
    WHEN 'gateway' THEN pg_has_role(session_user, 'arx_gateway', 'MEMBER')
    WHEN 'console' THEN pg_has_role(session_user, 'arx_console', 'MEMBER')
    ELSE (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
  END
$f$;

CREATE FUNCTION arx.append_events(
  p_tenant uuid, p_seqs bigint[], p_ids text[], p_types text[], p_times text[],
  p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, arx AS $f$
DECLARE
  n int := coalesce(cardinality(p_seqs), 0);
  head bigint;
  refused text;
  allowed text[];
  inserted bigint;
BEGIN
  IF n = 0 OR n <> cardinality(p_ids) OR n <> cardinality(p_types) OR n <> cardinality(p_times)
     OR n <> cardinality(p_bytes) OR n <> cardinality(p_digests) OR n <> cardinality(p_hashes) THEN
    RAISE EXCEPTION 'arx: append_events needs rows of equal length' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_tenant IS DISTINCT FROM arx.current_tenant() THEN
    RAISE EXCEPTION 'arx: this session is not opened for tenant %', p_tenant USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('arx-chain:' || p_tenant::text, 7));
  SELECT max(seq) INTO head FROM arx.audit_events WHERE tenant_id = p_tenant;
  IF EXISTS (SELECT 1 FROM unnest(p_seqs) WITH ORDINALITY AS u(s, k) WHERE s <> coalesce(head + 1, 0) + k - 1) THEN
    RAISE EXCEPTION 'arx: the rows do not continue the chain at seq %', coalesce(head + 1, 0)
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  allowed := ARRAY(SELECT c FROM unnest(ARRAY['gateway', 'console', 'administration']) AS c WHERE arx.may_write(c));
  SELECT t INTO refused FROM (SELECT DISTINCT t FROM unnest(p_types) AS t) AS d
   WHERE NOT EXISTS (SELECT 1 FROM arx.event_writers w WHERE w.type = d.t AND w.writer = ANY (allowed)) LIMIT 1;
  IF refused IS NOT NULL THEN
    RAISE EXCEPTION 'arx: % may not append events of type %', session_user, refused USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO arx.audit_events (tenant_id, seq, event_id, type, time, bytes, doc, event_digest, chain_hash)
  SELECT p_tenant, s, i, t, tm::timestamptz, b, doc, d, h
    FROM (SELECT s, i, t, tm, b, d, h, convert_from(b, 'UTF8')::jsonb AS doc
            FROM unnest(p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes) AS u(s, i, t, tm, b, d, h)
          OFFSET 0) AS r -- OFFSET 0 keeps the subquery: each row's bytes are parsed once, not per reference
   WHERE doc->>'id' = i AND doc->>'type' = t AND doc->>'sequence' = s::text AND doc->>'arxtenant' = p_tenant::text;
  GET DIAGNOSTICS inserted = ROW_COUNT;
  IF inserted <> n THEN
    RAISE EXCEPTION 'arx: an event''s bytes do not say what its row says (id, type, sequence, tenant)'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN inserted;
END
$f$;
ALTER FUNCTION arx.append_events(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[]) OWNER TO arx_owner;
REVOKE ALL ON FUNCTION arx.append_events(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arx.append_events(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[])
  TO arx_console, arx_gateway;

REVOKE INSERT ON arx.audit_events FROM arx_console, arx_gateway;
REVOKE INSERT ON arx.checkpoints FROM arx_console;
`;
