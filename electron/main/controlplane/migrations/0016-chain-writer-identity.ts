/**
 * 0016: every appended event names its writer (`arxwriter`, docs/events.md "Writers"), and
 * arx.append_events checks that name against the login role behind the connection (session_user,
 * which a SECURITY DEFINER caller does not change): `gateway/<login role>` for arx_gateway
 * members, `operator/<operator id>` for an operator's own login role. The shared console role
 * keeps appending console types until the console runs on operator identities: it may name an
 * active operator (the card signature in the event is what authenticates it then), or
 * `console/<host>` on a refused login. Signatures are checked by the verifiers, not here:
 * PostgreSQL cannot check a card signature without an extension.
 *
 * The signature of arx.append_events is unchanged, so the definer functions of 0011 keep calling
 * it; which types each login may write is still arx.may_write (0012).
 */
export const sql = `
-- The writer every row of this connection must name, or NULL where several are possible (a
-- superuser is a member of every role: it is asked first).
CREATE FUNCTION arx.expected_writer() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, arx AS $f$
  SELECT CASE
    WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN NULL
    WHEN pg_has_role(session_user, 'arx_gateway', 'MEMBER') THEN 'gateway/' || session_user
    WHEN arx.current_operator() IS NOT NULL THEN 'operator/' || arx.current_operator()::text
  END
$f$;

-- Where expected_writer() is NULL: the shared console role names an active operator (or its host
-- on a refused login); a superuser may name any well-formed writer; anyone else nobody.
CREATE FUNCTION arx.shared_role_writer_ok(p_writer text, p_type text) RETURNS boolean LANGUAGE sql STABLE
SET search_path = pg_catalog, arx AS $f$
  SELECT CASE
    WHEN p_writer IS NULL THEN false
    WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
      THEN p_writer ~ '^(operator/[0-9a-f-]{36}|gateway/[a-z_][a-z0-9_$]{0,62}|console/[A-Za-z0-9._-]{1,64})$'
    WHEN pg_has_role(session_user, 'arx_console', 'MEMBER') THEN
      (p_writer ~ '^operator/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        AND EXISTS (SELECT 1 FROM arx.operators o WHERE o.id = substr(p_writer, 10)::uuid AND o.status = 'active'))
      OR (p_type = 'com.arx.session.refused' AND p_writer ~ '^console/[A-Za-z0-9._-]{1,64}$')
    ELSE false
  END
$f$;

CREATE OR REPLACE FUNCTION arx.append_events(
  p_tenant uuid, p_seqs bigint[], p_ids text[], p_types text[], p_times text[],
  p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, arx AS $f$
DECLARE
  n int := coalesce(cardinality(p_seqs), 0);
  head bigint;
  refused text;
  allowed text[];
  expected text := arx.expected_writer();
  inserted bigint;
  bad record;
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
   WHERE doc->>'id' = i AND doc->>'type' = t AND doc->>'sequence' = s::text AND doc->>'arxtenant' = p_tenant::text
     AND CASE WHEN expected IS NOT NULL THEN doc->>'arxwriter' = expected
              ELSE arx.shared_role_writer_ok(doc->>'arxwriter', t) END;
  GET DIAGNOSTICS inserted = ROW_COUNT;
  IF inserted <> n THEN
    -- Only on refusal: say whether it was the writer of a row whose bytes otherwise say what it says.
    SELECT s, doc->>'arxwriter' AS w INTO bad
      FROM (SELECT s, i, t, convert_from(b, 'UTF8')::jsonb AS doc
              FROM unnest(p_seqs, p_ids, p_types, p_bytes) AS u(s, i, t, b)) AS r
     WHERE doc->>'id' = i AND doc->>'type' = t AND doc->>'sequence' = s::text AND doc->>'arxtenant' = p_tenant::text
       AND NOT coalesce(CASE WHEN expected IS NOT NULL THEN doc->>'arxwriter' = expected
                             ELSE arx.shared_role_writer_ok(doc->>'arxwriter', t) END, false)
     LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'arx: event % names writer %, not the writer behind login role % (%)', bad.s,
        coalesce(bad.w, '(none)'), session_user, coalesce(expected, 'an active operator')
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'arx: an event''s bytes do not say what its row says (id, type, sequence, tenant)'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN inserted;
END
$f$;

DO $$
DECLARE f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['arx.expected_writer()', 'arx.shared_role_writer_ok(text, text)'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END $$;
GRANT SELECT ON arx.operators TO arx_owner;
-- Writers ask which name is expected of them (ChainWriter's default).
GRANT EXECUTE ON FUNCTION arx.expected_writer() TO arx_console, arx_gateway, arx_operator;
`;
