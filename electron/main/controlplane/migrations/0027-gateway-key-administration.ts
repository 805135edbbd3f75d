/**
 * 0027: gateway keys administered like the rest of the control plane (docs/deployment.md §
 * "Gateway keys"). An administrator registers a gateway's checkpoint verifier key, rotates it (the
 * new key's window opens, the old one's closes `overlap` later) or revokes it (its window ends at a
 * stated time, possibly in the past), through SECURITY DEFINER functions like those of 0014: each
 * checks the card-signed statement naming the tenant, the key name, the public key (base64 of the
 * 32 Ed25519 bytes) and the window (times YYYY-MM-DDTHH:MM:SS.sssZ, the bundle's key windows), and
 * appends com.arx.gatewaykey.registered | rotated | revoked to the tenant's chain in the same
 * transaction.
 *
 * A key's window only ever closes: a trigger refuses any other change to a registered key (name,
 * key, start) and any end later than the one recorded, for every role short of a superuser
 * disabling triggers (which the chain's events then contradict).
 */
export const sql = `
INSERT INTO arx.event_writers (type, writer) VALUES
  ('com.arx.gatewaykey.registered', 'administration'),
  ('com.arx.gatewaykey.rotated', 'administration'),
  ('com.arx.gatewaykey.revoked', 'administration');

ALTER TABLE arx.gateway_keys
  ADD COLUMN registered_by uuid REFERENCES arx.operators(id),
  ADD COLUMN registered_envelope jsonb,
  ADD COLUMN ended_by uuid REFERENCES arx.operators(id),
  ADD COLUMN ended_reason text CHECK (ended_reason IN ('rotated', 'revoked')),
  ADD COLUMN ended_envelope jsonb;

CREATE FUNCTION arx.gateway_key_window_closes() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, arx AS $f$
BEGIN
  IF NEW.tenant_id IS DISTINCT FROM OLD.tenant_id OR NEW.key_name IS DISTINCT FROM OLD.key_name
     OR NEW.algorithm IS DISTINCT FROM OLD.algorithm OR NEW.public_key IS DISTINCT FROM OLD.public_key
     OR NEW.valid_from IS DISTINCT FROM OLD.valid_from OR NEW.registered_by IS DISTINCT FROM OLD.registered_by
     OR NEW.registered_envelope IS DISTINCT FROM OLD.registered_envelope
     OR NEW.valid_to IS NULL OR (OLD.valid_to IS NOT NULL AND NEW.valid_to > OLD.valid_to) THEN
    RAISE EXCEPTION 'arx: a gateway key''s window may only close earlier; nothing else about it changes'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$f$;
CREATE TRIGGER gateway_keys_window_closes BEFORE UPDATE ON arx.gateway_keys
  FOR EACH ROW EXECUTE FUNCTION arx.gateway_key_window_closes();
CREATE TRIGGER gateway_keys_no_truncate BEFORE TRUNCATE ON arx.gateway_keys
  FOR EACH STATEMENT EXECUTE FUNCTION arx.refuse_change();

GRANT SELECT, INSERT ON arx.gateway_keys TO arx_owner;
GRANT UPDATE (valid_to, ended_by, ended_reason, ended_envelope) ON arx.gateway_keys TO arx_owner;
CREATE POLICY definer_reads ON arx.gateway_keys FOR SELECT TO arx_owner USING (true);
CREATE POLICY definer_key_effect ON arx.checkpoints FOR SELECT TO arx_owner USING (true);

-- A window time as statements and bundles carry it: whole milliseconds, UTC.
CREATE FUNCTION arx.gateway_key_time(p text) RETURNS timestamptz LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, arx AS $f$
BEGIN
  IF p IS NULL OR p !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' THEN
    RAISE EXCEPTION 'arx: % is not a time YYYY-MM-DDTHH:MM:SS.sssZ', coalesce(p, 'null') USING ERRCODE = 'AX409', DETAIL = 'time';
  END IF;
  RETURN p::timestamptz;
END
$f$;

CREATE FUNCTION arx.check_new_gateway_key(p_tenant uuid, p_name text, p_key bytea, p_from timestamptz, p_to timestamptz)
  RETURNS void LANGUAGE plpgsql STABLE SET search_path = pg_catalog, arx AS $f$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM arx.tenants WHERE id = p_tenant) THEN
    RAISE EXCEPTION 'arx: no tenant %', p_tenant USING ERRCODE = 'AX404';
  END IF;
  -- C2SP note key names: printable, no space, no '+'.
  IF p_name !~ '^[!-*,-~]{1,128}$' THEN
    RAISE EXCEPTION 'arx: % is not a gateway key name (printable, no space, no +)', p_name USING ERRCODE = 'AX409', DETAIL = 'name';
  END IF;
  IF length(p_key) <> 32 THEN
    RAISE EXCEPTION 'arx: an Ed25519 public key is 32 bytes' USING ERRCODE = 'AX409', DETAIL = 'key';
  END IF;
  IF p_to IS NOT NULL AND p_to <= p_from THEN
    RAISE EXCEPTION 'arx: the key''s window ends before it begins' USING ERRCODE = 'AX409', DETAIL = 'window';
  END IF;
  IF EXISTS (SELECT 1 FROM arx.gateway_keys k WHERE k.tenant_id = p_tenant AND (k.key_name = p_name OR k.public_key = p_key)) THEN
    RAISE EXCEPTION 'arx: the tenant has a gateway key of this name or with this public key already' USING ERRCODE = 'AX405';
  END IF;
END
$f$;

CREATE FUNCTION arx.register_gateway_key(
  p_tenant uuid, p_name text, p_key bytea, p_valid_from text, p_valid_to text, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_administrator();
DECLARE st jsonb := jsonb_build_object('tenantId', p_tenant, 'keyName', p_name, 'publicKey', encode(p_key, 'base64'),
  'validFrom', p_valid_from, 'validTo', p_valid_to);
BEGIN
  PERFORM arx.expect_admin_statement(op, p_cert, p_envelope, st || jsonb_build_object('action', 'gatewaykey.register'));
  PERFORM arx.check_new_gateway_key(p_tenant, p_name, p_key, arx.gateway_key_time(p_valid_from),
    CASE WHEN p_valid_to IS NULL THEN NULL ELSE arx.gateway_key_time(p_valid_to) END);
  INSERT INTO arx.gateway_keys (tenant_id, key_name, algorithm, public_key, valid_from, valid_to, registered_by, registered_envelope)
  VALUES (p_tenant, p_name, 'ed25519', p_key, p_valid_from::timestamptz, p_valid_to::timestamptz, op, p_envelope);
  PERFORM arx.append_admin_event(p_tenant, 'com.arx.gatewaykey.registered', st || jsonb_build_object('by', op),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.rotate_gateway_key(
  p_tenant uuid, p_previous text, p_previous_valid_to text,
  p_name text, p_key bytea, p_valid_from text, p_valid_to text, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_administrator();
DECLARE st jsonb := jsonb_build_object('tenantId', p_tenant, 'keyName', p_name, 'publicKey', encode(p_key, 'base64'),
  'validFrom', p_valid_from, 'validTo', p_valid_to, 'previousKey', p_previous, 'previousValidTo', p_previous_valid_to);
DECLARE prev arx.gateway_keys;
DECLARE ends timestamptz;
DECLARE starts timestamptz;
BEGIN
  PERFORM arx.expect_admin_statement(op, p_cert, p_envelope, st || jsonb_build_object('action', 'gatewaykey.rotate'));
  starts := arx.gateway_key_time(p_valid_from);
  ends := arx.gateway_key_time(p_previous_valid_to);
  SELECT * INTO prev FROM arx.gateway_keys k WHERE k.tenant_id = p_tenant AND k.key_name = p_previous FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'arx: the tenant has no gateway key %', p_previous USING ERRCODE = 'AX404';
  END IF;
  IF prev.ended_reason IS NOT NULL THEN
    RAISE EXCEPTION 'arx: gateway key % was % already', p_previous, prev.ended_reason USING ERRCODE = 'AX409', DETAIL = 'ended';
  END IF;
  IF starts < prev.valid_from OR ends < starts OR ends <= prev.valid_from OR (prev.valid_to IS NOT NULL AND ends > prev.valid_to) THEN
    RAISE EXCEPTION 'arx: the old key must stay valid until the new one begins (an overlap of zero or more), and may only end earlier than it would'
      USING ERRCODE = 'AX409', DETAIL = 'window';
  END IF;
  PERFORM arx.check_new_gateway_key(p_tenant, p_name, p_key, starts,
    CASE WHEN p_valid_to IS NULL THEN NULL ELSE arx.gateway_key_time(p_valid_to) END);
  INSERT INTO arx.gateway_keys (tenant_id, key_name, algorithm, public_key, valid_from, valid_to, registered_by, registered_envelope)
  VALUES (p_tenant, p_name, 'ed25519', p_key, starts, p_valid_to::timestamptz, op, p_envelope);
  UPDATE arx.gateway_keys SET valid_to = ends, ended_by = op, ended_reason = 'rotated', ended_envelope = p_envelope
   WHERE tenant_id = p_tenant AND key_name = p_previous;
  PERFORM arx.append_admin_event(p_tenant, 'com.arx.gatewaykey.rotated', st || jsonb_build_object('by', op),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.revoke_gateway_key(
  p_tenant uuid, p_name text, p_valid_to text, p_reason text, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_administrator();
DECLARE k arx.gateway_keys;
DECLARE ends timestamptz;
BEGIN
  PERFORM arx.expect_admin_statement(op, p_cert, p_envelope, jsonb_build_object('action', 'gatewaykey.revoke',
    'tenantId', p_tenant, 'keyName', p_name, 'validTo', p_valid_to, 'reason', p_reason));
  ends := arx.gateway_key_time(p_valid_to);
  IF p_reason IS NULL OR length(p_reason) NOT BETWEEN 1 AND 200 THEN
    RAISE EXCEPTION 'arx: a revocation states its reason (1 to 200 characters)' USING ERRCODE = 'AX409', DETAIL = 'reason';
  END IF;
  SELECT * INTO k FROM arx.gateway_keys g WHERE g.tenant_id = p_tenant AND g.key_name = p_name FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'arx: the tenant has no gateway key %', p_name USING ERRCODE = 'AX404';
  END IF;
  IF ends <= k.valid_from OR (k.valid_to IS NOT NULL AND ends > k.valid_to) THEN
    RAISE EXCEPTION 'arx: a revocation ends the key after it began and no later than it would end'
      USING ERRCODE = 'AX409', DETAIL = 'window';
  END IF;
  UPDATE arx.gateway_keys SET valid_to = ends, ended_by = op, ended_reason = 'revoked', ended_envelope = p_envelope
   WHERE tenant_id = p_tenant AND key_name = p_name;
  PERFORM arx.append_admin_event(p_tenant, 'com.arx.gatewaykey.revoked',
    jsonb_build_object('tenantId', p_tenant, 'keyName', p_name, 'publicKey', encode(k.public_key, 'base64'),
      'validTo', p_valid_to, 'reason', p_reason, 'by', op),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

-- Every tenant's gateway keys, for an administrator (list, export, the effect of a change).
CREATE FUNCTION arx.admin_gateway_keys() RETURNS TABLE (
  tenant_id uuid, tenant_slug text, key_name text, public_key bytea, valid_from timestamptz, valid_to timestamptz,
  ended_reason text, registered_by uuid, ended_by uuid, last_checkpoint timestamptz
) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN QUERY SELECT k.tenant_id, t.slug::text, k.key_name, k.public_key, k.valid_from, k.valid_to, k.ended_reason,
                      k.registered_by, k.ended_by,
                      (SELECT max(c.issued_at) FROM arx.checkpoints c WHERE c.tenant_id = k.tenant_id AND c.key_name = k.key_name)
                 FROM arx.gateway_keys k JOIN arx.tenants t ON t.id = k.tenant_id ORDER BY t.slug, k.valid_from, k.key_name;
END
$f$;

-- How many of a key's checkpoints were issued at or after p_at (what ending the key then leaves unverifiable).
CREATE FUNCTION arx.admin_gateway_key_checkpoints_after(p_tenant uuid, p_name text, p_at timestamptz) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN (SELECT count(*) FROM arx.checkpoints c WHERE c.tenant_id = p_tenant AND c.key_name = p_name AND c.issued_at >= p_at);
END
$f$;

DO $$
DECLARE f text;
DECLARE ev text := 'bigint[], text[], text[], text[], bytea[], bytea[], bytea[]';
BEGIN
  FOREACH f IN ARRAY ARRAY[
    'arx.admin_gateway_keys()',
    'arx.admin_gateway_key_checkpoints_after(uuid, text, timestamptz)',
    'arx.register_gateway_key(uuid, text, bytea, text, text, bytea, jsonb, ' || ev || ')',
    'arx.rotate_gateway_key(uuid, text, text, text, bytea, text, text, bytea, jsonb, ' || ev || ')',
    'arx.revoke_gateway_key(uuid, text, text, text, bytea, jsonb, ' || ev || ')'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO arx_operator', f);
  END LOOP;
END $$;
`;
