/**
 * 0025: operators' companion keys (docs/companion-keys.md): an Ed25519 and an ML-DSA-87 public
 * key, their private halves sealed to the operator's card Key Management key (the wrap, opaque
 * here), and the key attestation (a DSSE envelope) their card's Digital Signature key signed.
 * Written only through arx.store_companion_key and arx.revoke_companion_key, as the operator the
 * login is, for themselves: the signing and key-management certificates must be that operator's
 * enrolled ones, and the statement must name that operator, those certificates and those keys.
 * Each store and revocation appends its card-signed event (com.arx.companionkey.attested, .rotated,
 * .revoked) to the tenant's chain in the same transaction. PostgreSQL cannot verify the card's
 * ECDSA/RSA signature: verifiers check it; the database checks who and what. Both tables are
 * append-only; a rotation revokes the key it replaces.
 */
export const sql = `
INSERT INTO arx.event_writers (type, writer) VALUES
  ('com.arx.companionkey.attested', 'console'), ('com.arx.companionkey.rotated', 'console'),
  ('com.arx.companionkey.revoked', 'console');

CREATE TABLE arx.companion_keys (
  key_id bytea PRIMARY KEY CHECK (length(key_id) = 32),
  operator_id uuid NOT NULL REFERENCES arx.operators(id),
  ed25519_public bytea NOT NULL CHECK (length(ed25519_public) = 32),
  ml_dsa87_public bytea NOT NULL CHECK (length(ml_dsa87_public) = 2592),
  signing_certificate_sha256 bytea NOT NULL REFERENCES arx.operator_certificates(sha256),
  key_management_certificate_sha256 bytea NOT NULL REFERENCES arx.operator_certificates(sha256),
  replaces bytea REFERENCES arx.companion_keys(key_id),
  attestation jsonb NOT NULL,
  -- The seed sealed to the 9D key: { v, kind, exchange, salt, sealed[, pqCiphertext] }, base64.
  wrap jsonb NOT NULL CHECK (jsonb_typeof(wrap) = 'object' AND wrap->>'v' = '1' AND wrap->>'kind' IN ('ec', 'rsa')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX companion_keys_operator ON arx.companion_keys (operator_id, created_at);

CREATE TABLE arx.companion_key_revocations (
  key_id bytea PRIMARY KEY REFERENCES arx.companion_keys(key_id),
  reason text NOT NULL CHECK (reason IN ('rotated', 'retired', 'compromised')),
  revoked_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER companion_keys_append_only BEFORE UPDATE OR DELETE ON arx.companion_keys
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER companion_keys_no_truncate BEFORE TRUNCATE ON arx.companion_keys
  FOR EACH STATEMENT EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER companion_key_revocations_append_only BEFORE UPDATE OR DELETE ON arx.companion_key_revocations
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER companion_key_revocations_no_truncate BEFORE TRUNCATE ON arx.companion_key_revocations
  FOR EACH STATEMENT EXECUTE FUNCTION arx.refuse_change();

-- An operator reads their own keys; the definer functions (arx_owner) read and insert.
ALTER TABLE arx.companion_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.companion_keys FORCE ROW LEVEL SECURITY;
ALTER TABLE arx.companion_key_revocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.companion_key_revocations FORCE ROW LEVEL SECURITY;
CREATE POLICY own_keys ON arx.companion_keys FOR SELECT TO arx_operator USING (operator_id = (SELECT arx.current_operator()));
CREATE POLICY own_keys ON arx.companion_key_revocations FOR SELECT TO arx_operator
  USING (EXISTS (SELECT 1 FROM arx.companion_keys k WHERE k.key_id = companion_key_revocations.key_id));
CREATE POLICY definer ON arx.companion_keys TO arx_owner USING (true) WITH CHECK (true);
CREATE POLICY definer ON arx.companion_key_revocations TO arx_owner USING (true) WITH CHECK (true);
REVOKE ALL ON arx.companion_keys, arx.companion_key_revocations FROM PUBLIC, arx_console, arx_gateway, arx_operator;
GRANT SELECT ON arx.companion_keys, arx.companion_key_revocations TO arx_operator;
GRANT SELECT, INSERT ON arx.companion_keys, arx.companion_key_revocations TO arx_owner;

CREATE FUNCTION arx.store_companion_key(
  p_tenant uuid, p_key_id bytea, p_ed25519 bytea, p_ml_dsa87 bytea, p_signing_cert bytea, p_km_cert bytea,
  p_attestation jsonb, p_wrap jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE
  op uuid := arx.acting_operator(p_tenant, NULL);
  st jsonb;
  active bytea;
  rep bytea;
  existing arx.companion_keys;
  kind text;
BEGIN
  -- The statement, signed (keyid) by the operator's own enrolled signing certificate.
  st := arx.signed_statement(op, p_signing_cert, p_attestation, 'application/vnd.arx.companion-key-attestation+json');
  IF NOT EXISTS (SELECT 1 FROM arx.operator_certificates c WHERE c.sha256 = p_km_cert AND c.operator_id = op AND c.usage = 'key-management') THEN
    RAISE EXCEPTION 'arx: certificate % is not an enrolled key-management certificate of the operator', encode(p_km_cert, 'hex')
      USING ERRCODE = 'AX423';
  END IF;
  IF st->>'_type' IS DISTINCT FROM 'arx.companion-key-attestation/v1'
     OR st->>'operatorId' IS DISTINCT FROM op::text
     OR st->>'keyId' IS DISTINCT FROM encode(p_key_id, 'hex')
     OR st->>'signingCertificateSha256' IS DISTINCT FROM encode(p_signing_cert, 'hex')
     OR st->>'keyManagementCertificateSha256' IS DISTINCT FROM encode(p_km_cert, 'hex')
     OR decode(st->'keys'->>'ed25519', 'base64') IS DISTINCT FROM p_ed25519
     OR decode(st->'keys'->>'mlDsa87', 'base64') IS DISTINCT FROM p_ml_dsa87
     OR sha256(convert_to(E'arx companion key v1\\n', 'UTF8') || p_ed25519 || p_ml_dsa87) IS DISTINCT FROM p_key_id THEN
    RAISE EXCEPTION 'arx: the attestation does not attest these keys for this operator' USING ERRCODE = 'AX422';
  END IF;
  rep := CASE WHEN jsonb_typeof(st->'replaces') = 'string' THEN decode(st->>'replaces', 'hex') END;
  kind := CASE WHEN rep IS NULL THEN 'com.arx.companionkey.attested' ELSE 'com.arx.companionkey.rotated' END;
  PERFORM pg_advisory_xact_lock(hashtextextended('arx/companion/' || op::text, 0));
  SELECT * INTO existing FROM arx.companion_keys WHERE key_id = p_key_id;
  IF FOUND THEN
    -- Stored already (recorded in another tenant's chain first): only this tenant's event is new.
    IF existing.operator_id <> op OR existing.attestation IS DISTINCT FROM p_attestation THEN
      RAISE EXCEPTION 'arx: companion key % is stored with another attestation', encode(p_key_id, 'hex') USING ERRCODE = 'AX405';
    END IF;
  ELSE
    SELECT k.key_id INTO active FROM arx.companion_keys k
     WHERE k.operator_id = op AND NOT EXISTS (SELECT 1 FROM arx.companion_key_revocations r WHERE r.key_id = k.key_id)
     ORDER BY k.created_at DESC LIMIT 1;
    IF active IS DISTINCT FROM rep THEN
      RAISE EXCEPTION 'arx: the attestation replaces %, the operator''s active companion key is %',
        coalesce(encode(rep, 'hex'), 'none'), coalesce(encode(active, 'hex'), 'none') USING ERRCODE = 'AX409';
    END IF;
    IF rep IS NOT NULL THEN
      INSERT INTO arx.companion_key_revocations (key_id, reason) VALUES (rep, 'rotated');
    END IF;
    INSERT INTO arx.companion_keys (key_id, operator_id, ed25519_public, ml_dsa87_public, signing_certificate_sha256,
      key_management_certificate_sha256, replaces, attestation, wrap)
    VALUES (p_key_id, op, p_ed25519, p_ml_dsa87, p_signing_cert, p_km_cert, rep, p_attestation, p_wrap);
  END IF;
  PERFORM arx.lock_chain(p_tenant);
  PERFORM arx.append_step_event(p_tenant, kind,
    jsonb_build_object('operatorId', op::text, 'keyId', encode(p_key_id, 'hex')) ||
      CASE WHEN rep IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('previousKeyId', encode(rep, 'hex')) END,
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.revoke_companion_key(
  p_tenant uuid, p_key_id bytea, p_reason text,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, NULL);
BEGIN
  IF p_reason IS NULL OR p_reason NOT IN ('retired', 'compromised') THEN
    RAISE EXCEPTION 'arx: a companion key is revoked as retired or compromised' USING ERRCODE = 'AX402';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM arx.companion_keys k WHERE k.key_id = p_key_id AND k.operator_id = op) THEN
    RAISE EXCEPTION 'arx: % is not a companion key of this operator', encode(p_key_id, 'hex') USING ERRCODE = 'AX404';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('arx/companion/' || op::text, 0));
  INSERT INTO arx.companion_key_revocations (key_id, reason) VALUES (p_key_id, p_reason) ON CONFLICT DO NOTHING;
  PERFORM arx.lock_chain(p_tenant);
  PERFORM arx.append_step_event(p_tenant, 'com.arx.companionkey.revoked',
    jsonb_build_object('operatorId', op::text, 'keyId', encode(p_key_id, 'hex')),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

DO $$
DECLARE f text;
BEGIN
  FOREACH f IN ARRAY ARRAY[
    'arx.store_companion_key(uuid, bytea, bytea, bytea, bytea, bytea, jsonb, jsonb, bigint[], text[], text[], text[], bytea[], bytea[], bytea[])',
    'arx.revoke_companion_key(uuid, bytea, text, bigint[], text[], text[], text[], bytea[], bytea[], bytea[])'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO arx_operator', f);
  END LOOP;
END $$;
`;
