/**
 * 0021: re-enrolment after a card change. An administrator binds an enrolled operator (same EDIPI)
 * to the certificates of their new card through a SECURITY DEFINER function like those of 0014 and
 * 0020: the operator's current certificates are retired (kept, so that what they signed before
 * still verifies, but no longer an enrolled login or signing certificate), the new ones recorded,
 * the database password replaced and wrapped to the new Key Management key, the operator's open
 * sessions ended, and com.arx.operator.reenrolled appended to the system chain. The card-signed
 * statement names the certificates added and those retired, so the administrator signs exactly
 * what changes.
 *
 * arx.signed_statement (0011) is redefined to accept only certificates not retired; a retired
 * certificate is refused with AX423 like an unknown one. Replacing the password needs CREATEROLE:
 * arx_login_admin owns arx.rotate_operator_login, callable by arx_owner alone.
 */
export const sql = `
INSERT INTO arx.event_writers (type, writer) VALUES ('com.arx.operator.reenrolled', 'administration');

ALTER TABLE arx.operator_certificates
  ADD COLUMN retired_at timestamptz,
  ADD COLUMN retired_by uuid REFERENCES arx.operators(id);
GRANT UPDATE (retired_at, retired_by) ON arx.operator_certificates TO arx_owner;
GRANT UPDATE (wrap, wrap_key_sha256, rotated_at) ON arx.operator_logins TO arx_owner;
CREATE POLICY definer_rewraps ON arx.operator_logins FOR UPDATE TO arx_owner USING (true) WITH CHECK (true);

CREATE OR REPLACE FUNCTION arx.signed_statement(p_op uuid, p_cert bytea, p_envelope jsonb, p_payload_type text)
  RETURNS jsonb LANGUAGE plpgsql STABLE SET search_path = pg_catalog, arx AS $f$
DECLARE st jsonb;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM arx.operator_certificates c WHERE c.sha256 = p_cert AND c.operator_id = p_op
                    AND c.usage = 'signature' AND c.retired_at IS NULL) THEN
    RAISE EXCEPTION 'arx: certificate % is not an enrolled signing certificate of the operator', encode(p_cert, 'hex')
      USING ERRCODE = 'AX423';
  END IF;
  IF jsonb_typeof(p_envelope) IS DISTINCT FROM 'object' OR p_envelope->>'payloadType' IS DISTINCT FROM p_payload_type
     OR jsonb_typeof(p_envelope->'signatures') IS DISTINCT FROM 'array'
     OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p_envelope->'signatures') s WHERE s->>'keyid' = encode(p_cert, 'hex')) THEN
    RAISE EXCEPTION 'arx: the envelope is not a % signed by the certificate named', p_payload_type USING ERRCODE = 'AX422';
  END IF;
  BEGIN
    st := convert_from(decode(p_envelope->>'payload', 'base64'), 'UTF8')::jsonb;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'arx: the envelope payload is not JSON' USING ERRCODE = 'AX422';
  END;
  RETURN st;
END
$f$;

-- The earliest expiry among the certificates an operator may use now (retired ones left out).
CREATE OR REPLACE FUNCTION arx.admin_operators() RETURNS TABLE (
  id uuid, edipi text, display_name text, status text, created_at timestamptz, certificates_expire timestamptz
) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN QUERY SELECT o.id, o.edipi::text, o.display_name, o.status, o.created_at,
                      (SELECT min(c.not_after) FROM arx.operator_certificates c
                        WHERE c.operator_id = o.id AND c.retired_at IS NULL)
                 FROM arx.operators o ORDER BY o.edipi;
END
$f$;

-- An operator's certificates in use (what a re-enrolment retires), for an administrator.
CREATE FUNCTION arx.admin_active_certificates(p_operator uuid) RETURNS TABLE (sha256 bytea, usage text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN QUERY SELECT c.sha256, c.usage FROM arx.operator_certificates c
                WHERE c.operator_id = p_operator AND c.retired_at IS NULL ORDER BY c.sha256;
END
$f$;

-- A new password for an operator's login role; its open sessions (the old card's) end.
CREATE FUNCTION arx.rotate_operator_login(p_operator uuid, p_verifier text) RETURNS void LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE r name := 'arx_op_' || replace(p_operator::text, '-', '');
BEGIN
  IF p_verifier !~ '^SCRAM-SHA-256[$][0-9]+:[A-Za-z0-9+/=]+[$][A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
    RAISE EXCEPTION 'arx: the credential is not a SCRAM-SHA-256 verifier' USING ERRCODE = 'AX422';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r AND NOT rolsuper AND pg_has_role(r, 'arx_operator', 'MEMBER')) THEN
    RAISE EXCEPTION 'arx: operator % has no login role', p_operator USING ERRCODE = 'AX404';
  END IF;
  EXECUTE format('ALTER ROLE %I PASSWORD %L', r, p_verifier);
  PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = r AND pid <> pg_backend_pid();
END
$f$;
ALTER FUNCTION arx.rotate_operator_login(uuid, text) OWNER TO arx_login_admin;
REVOKE ALL ON FUNCTION arx.rotate_operator_login(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arx.rotate_operator_login(uuid, text) TO arx_owner;

CREATE FUNCTION arx.reenrol_operator(
  p_operator uuid, p_edipi text,
  p_usages text[], p_subjects text[], p_not_after timestamptz[], p_ders bytea[],
  p_verifier text, p_wrap bytea, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_administrator();
DECLARE n int := coalesce(cardinality(p_ders), 0);
DECLARE added jsonb;
DECLARE retired jsonb;
DECLARE km bytea;
DECLARE doc jsonb;
BEGIN
  IF n = 0 OR cardinality(p_usages) <> n OR cardinality(p_subjects) <> n OR cardinality(p_not_after) <> n THEN
    RAISE EXCEPTION 'arx: one usage, subject and expiry per certificate' USING ERRCODE = 'AX422';
  END IF;
  SELECT jsonb_agg(encode(sha256(d), 'hex') ORDER BY i) INTO added FROM unnest(p_ders) WITH ORDINALITY AS x(d, i);
  SELECT coalesce(jsonb_agg(encode(c.sha256, 'hex') ORDER BY c.sha256), '[]'::jsonb) INTO retired
    FROM arx.operator_certificates c WHERE c.operator_id = p_operator AND c.retired_at IS NULL;
  PERFORM arx.expect_admin_statement(op, p_cert, p_envelope, jsonb_build_object('action', 'operator.reenrol',
    'operatorId', p_operator, 'edipi', p_edipi, 'certificates', added, 'retired', retired));
  IF p_operator = op THEN
    RAISE EXCEPTION 'arx: an administrator may not re-enrol themselves' USING ERRCODE = 'AX410';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM arx.operators WHERE id = p_operator) THEN
    RAISE EXCEPTION 'arx: no operator %', p_operator USING ERRCODE = 'AX404';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM arx.operators WHERE id = p_operator AND edipi = p_edipi) THEN
    RAISE EXCEPTION 'arx: the new card names EDIPI %, not the operator''s', p_edipi USING ERRCODE = 'AX409', DETAIL = 'edipi-mismatch';
  END IF;
  IF (SELECT count(DISTINCT u) FROM unnest(p_usages) u WHERE u IN ('piv-auth', 'signature', 'key-management')) <> 3
     OR EXISTS (SELECT 1 FROM unnest(p_usages) u WHERE u NOT IN ('piv-auth', 'signature', 'key-management')) THEN
    RAISE EXCEPTION 'arx: a re-enrolment needs the PIV Authentication, Digital Signature and Key Management certificates'
      USING ERRCODE = 'AX409', DETAIL = 'certificates-incomplete';
  END IF;
  IF EXISTS (SELECT 1 FROM arx.operator_certificates c WHERE c.sha256 IN (SELECT sha256(d) FROM unnest(p_ders) d)) THEN
    RAISE EXCEPTION 'arx: a certificate of this card is enrolled already' USING ERRCODE = 'AX405';
  END IF;
  BEGIN
    doc := convert_from(p_bytes[1], 'UTF8')::jsonb;
  EXCEPTION WHEN others THEN
    doc := NULL;
  END;
  IF doc->'data'->'retired' IS DISTINCT FROM retired THEN
    RAISE EXCEPTION 'arx: the event does not name the certificates retired' USING ERRCODE = 'AX424';
  END IF;
  UPDATE arx.operator_certificates SET retired_at = now(), retired_by = op
   WHERE operator_id = p_operator AND retired_at IS NULL;
  INSERT INTO arx.operator_certificates (sha256, operator_id, usage, subject, not_after, der)
  SELECT sha256(d), p_operator, u, s, t, d FROM unnest(p_ders, p_usages, p_subjects, p_not_after) AS x(d, u, s, t);
  SELECT sha256(d) INTO km FROM unnest(p_ders, p_usages) AS x(d, u) WHERE u = 'key-management' LIMIT 1;
  UPDATE arx.operator_logins SET wrap = p_wrap, wrap_key_sha256 = km, rotated_at = now() WHERE operator_id = p_operator;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'arx: operator % has no database login to re-wrap', p_operator USING ERRCODE = 'AX404';
  END IF;
  PERFORM arx.rotate_operator_login(p_operator, p_verifier);
  PERFORM arx.append_admin_event(arx.system_tenant(), 'com.arx.operator.reenrolled',
    jsonb_build_object('operatorId', p_operator, 'edipi', p_edipi, 'by', op),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

DO $$
DECLARE f text;
DECLARE ev text := 'bigint[], text[], text[], text[], bytea[], bytea[], bytea[]';
BEGIN
  FOREACH f IN ARRAY ARRAY[
    'arx.admin_active_certificates(uuid)',
    'arx.reenrol_operator(uuid, text, text[], text[], timestamptz[], bytea[], text, bytea, bytea, jsonb, ' || ev || ')'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO arx_operator', f);
  END LOOP;
END $$;
`;
