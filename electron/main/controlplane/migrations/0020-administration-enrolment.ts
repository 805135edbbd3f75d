/**
 * 0020: an administrator enrols an operator and renames a tenant, through SECURITY DEFINER
 * functions like those of 0014 (acting administrator, card-signed statement, one event in the
 * system chain, same transaction).
 *
 * Enrolment takes the card's certificates (validated by the administrator's console against the
 * trust anchors; the statement names their SHA-256 digests, which are recomputed here), the SCRAM
 * verifier of the operator's new random database password and that password wrapped to the Key
 * Management certificate's key. Creating the login role needs CREATEROLE: arx_login_admin owns
 * arx.create_operator_login, callable by arx_owner alone. From PostgreSQL 16 a CREATEROLE role
 * grants membership only in roles it administers, hence ADMIN OPTION on arx_operator (without
 * inheriting its rights); it is given ADMIN OPTION on the roles it creates by the server itself.
 */
export const sql = `
INSERT INTO arx.event_writers (type, writer) VALUES ('com.arx.tenant.renamed', 'administration');

DO $$ BEGIN
  IF current_setting('server_version_num')::int >= 160000 THEN
    EXECUTE 'GRANT arx_operator TO arx_login_admin WITH ADMIN OPTION, INHERIT FALSE, SET FALSE';
  END IF;
END $$;

GRANT INSERT ON arx.operators, arx.operator_certificates, arx.operator_logins TO arx_owner;
CREATE POLICY definer_enrols ON arx.operator_logins FOR INSERT TO arx_owner WITH CHECK (true);

CREATE FUNCTION arx.create_operator_login(p_operator uuid, p_verifier text) RETURNS name LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE r name := 'arx_op_' || replace(p_operator::text, '-', '');
BEGIN
  IF p_verifier !~ '^SCRAM-SHA-256[$][0-9]+:[A-Za-z0-9+/=]+[$][A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
    RAISE EXCEPTION 'arx: the credential is not a SCRAM-SHA-256 verifier' USING ERRCODE = 'AX422';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
    RAISE EXCEPTION 'arx: the login role % exists already', r USING ERRCODE = 'AX405';
  END IF;
  EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE arx_operator', r, p_verifier);
  RETURN r;
END
$f$;
ALTER FUNCTION arx.create_operator_login(uuid, text) OWNER TO arx_login_admin;
REVOKE ALL ON FUNCTION arx.create_operator_login(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arx.create_operator_login(uuid, text) TO arx_owner;

-- A card holder enrolled by an administrator: operator, certificates, login role, credential wrap.
CREATE FUNCTION arx.enrol_operator(
  p_operator uuid, p_edipi text, p_display_name text,
  p_usages text[], p_subjects text[], p_not_after timestamptz[], p_ders bytea[],
  p_verifier text, p_wrap bytea, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_administrator();
DECLARE n int := coalesce(cardinality(p_ders), 0);
DECLARE km bytea;
DECLARE r name;
BEGIN
  IF n = 0 OR cardinality(p_usages) <> n OR cardinality(p_subjects) <> n OR cardinality(p_not_after) <> n THEN
    RAISE EXCEPTION 'arx: one usage, subject and expiry per certificate' USING ERRCODE = 'AX422';
  END IF;
  PERFORM arx.expect_admin_statement(op, p_cert, p_envelope, jsonb_build_object('action', 'operator.enrol',
    'operatorId', p_operator, 'edipi', p_edipi, 'displayName', p_display_name,
    'certificates', (SELECT jsonb_agg(encode(sha256(d), 'hex') ORDER BY i) FROM unnest(p_ders) WITH ORDINALITY AS x(d, i))));
  IF p_edipi !~ '^[0-9]{10}$' THEN
    RAISE EXCEPTION 'arx: % is not an EDIPI', p_edipi USING ERRCODE = 'AX422';
  END IF;
  IF (SELECT count(DISTINCT u) FROM unnest(p_usages) u WHERE u IN ('piv-auth', 'signature', 'key-management')) <> 3
     OR EXISTS (SELECT 1 FROM unnest(p_usages) u WHERE u NOT IN ('piv-auth', 'signature', 'key-management')) THEN
    RAISE EXCEPTION 'arx: an enrolment needs the PIV Authentication, Digital Signature and Key Management certificates'
      USING ERRCODE = 'AX409', DETAIL = 'certificates-incomplete';
  END IF;
  IF EXISTS (SELECT 1 FROM arx.operators WHERE id = p_operator OR edipi = p_edipi) THEN
    RAISE EXCEPTION 'arx: an operator with EDIPI % is enrolled already', p_edipi USING ERRCODE = 'AX405';
  END IF;
  IF EXISTS (SELECT 1 FROM arx.operator_certificates c WHERE c.sha256 IN (SELECT sha256(d) FROM unnest(p_ders) d)) THEN
    RAISE EXCEPTION 'arx: a certificate of this card is enrolled already' USING ERRCODE = 'AX405';
  END IF;
  INSERT INTO arx.operators (id, edipi, display_name) VALUES (p_operator, p_edipi, p_display_name);
  INSERT INTO arx.operator_certificates (sha256, operator_id, usage, subject, not_after, der)
  SELECT sha256(d), p_operator, u, s, t, d FROM unnest(p_ders, p_usages, p_subjects, p_not_after) AS x(d, u, s, t);
  SELECT sha256(d) INTO km FROM unnest(p_ders, p_usages) AS x(d, u) WHERE u = 'key-management' LIMIT 1;
  r := arx.create_operator_login(p_operator, p_verifier);
  INSERT INTO arx.operator_logins (operator_id, db_role, wrap, wrap_key_sha256) VALUES (p_operator, r, p_wrap, km);
  PERFORM arx.append_admin_event(arx.system_tenant(), 'com.arx.operator.enrolled',
    jsonb_build_object('operatorId', p_operator, 'edipi', p_edipi, 'by', op),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.rename_tenant(
  p_tenant uuid, p_name text, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_administrator();
BEGIN
  PERFORM arx.expect_admin_statement(op, p_cert, p_envelope,
    jsonb_build_object('action', 'tenant.rename', 'tenantId', p_tenant, 'name', p_name));
  IF length(btrim(coalesce(p_name, ''))) = 0 OR length(p_name) > 200 THEN
    RAISE EXCEPTION 'arx: a tenant name is 1 to 200 characters' USING ERRCODE = 'AX422';
  END IF;
  UPDATE arx.tenants SET name = p_name WHERE id = p_tenant;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'arx: no tenant %', p_tenant USING ERRCODE = 'AX404';
  END IF;
  PERFORM arx.append_admin_event(arx.system_tenant(), 'com.arx.tenant.renamed',
    jsonb_build_object('tenantId', p_tenant, 'name', p_name, 'by', op),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

DO $$
DECLARE f text;
DECLARE ev text := 'bigint[], text[], text[], text[], bytea[], bytea[], bytea[]';
BEGIN
  FOREACH f IN ARRAY ARRAY[
    'arx.enrol_operator(uuid, text, text, text[], text[], timestamptz[], bytea[], text, bytea, bytea, jsonb, ' || ev || ')',
    'arx.rename_tenant(uuid, text, bytea, jsonb, ' || ev || ')'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO arx_operator', f);
  END LOOP;
END $$;
`;
