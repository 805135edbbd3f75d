/**
 * 0014: administration through SECURITY DEFINER functions (owner arx_owner, pinned search_path,
 * EXECUTE for arx_operator). Each takes the acting operator from the connection's login role, who
 * must hold `administrator` in the system tenant (arx.control_plane); checks the statement inside
 * the card-signed envelope (payload type application/vnd.arx.administration+json) names exactly
 * this change; refuses self-grants and self-approval; and appends the change's one audit event in
 * the same transaction. Granting `isso` or `administrator` is two steps: a request signed by one
 * administrator, an approval signed by a different one.
 *
 * Administration events are appended through arx.append_admin_event, which nobody but the
 * functions here may call (the writer class 'administration' stays closed to direct appends).
 * Switching a login role on or off is the one thing that needs CREATEROLE: arx_login_admin
 * (NOLOGIN) holds it and owns only arx.set_operator_login, callable by arx_owner alone.
 *
 * Refusals use the AX codes of 0011 (AX401 not an active operator, AX403 not an administrator,
 * AX404 not found, AX405 exists, AX409 state or rule, AX410 self-grant or self-approval, AX422
 * statement wrong, AX423 certificate not the operator's, AX424 event not the step's).
 */
export const sql = `
INSERT INTO arx.event_writers (type, writer) VALUES
  ('com.arx.operator.disabled', 'administration'), ('com.arx.operator.enabled', 'administration');

ALTER TABLE arx.role_grants ADD COLUMN grant_envelope jsonb, ADD COLUMN approval_envelope jsonb;
CREATE TABLE arx.role_grant_requests (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  operator_id uuid NOT NULL REFERENCES arx.operators(id),
  role text NOT NULL CHECK (role IN ('isso', 'administrator')),
  requested_by uuid NOT NULL REFERENCES arx.operators(id),
  request_envelope jsonb NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved')),
  approved_by uuid REFERENCES arx.operators(id),
  approved_at timestamptz
);
-- Read and written only by the functions below (no grant to any application role).
GRANT SELECT, INSERT, UPDATE ON arx.role_grant_requests TO arx_owner;
GRANT INSERT, DELETE ON arx.role_grants TO arx_owner;
GRANT INSERT, UPDATE (name) ON arx.tenants TO arx_owner;
CREATE POLICY definer_creates ON arx.tenants FOR INSERT TO arx_owner WITH CHECK (true);
CREATE POLICY definer_renames ON arx.tenants FOR UPDATE TO arx_owner USING (true) WITH CHECK (true);
GRANT UPDATE (status) ON arx.operators TO arx_owner;
GRANT SELECT ON arx.control_plane, arx.event_writers TO arx_owner;

DO $$ BEGIN
  CREATE ROLE arx_login_admin NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB CREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
GRANT pg_signal_backend TO arx_login_admin;

-- LOGIN or NOLOGIN for an operator's own login role; NOLOGIN also ends its open sessions.
CREATE FUNCTION arx.set_operator_login(p_operator uuid, p_login boolean) RETURNS void LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE r name := 'arx_op_' || replace(p_operator::text, '-', '');
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r AND NOT rolsuper AND pg_has_role(r, 'arx_operator', 'MEMBER')) THEN
    RAISE EXCEPTION 'arx: operator % has no login role', p_operator USING ERRCODE = 'AX404';
  END IF;
  EXECUTE format('ALTER ROLE %I %s', r, CASE WHEN p_login THEN 'LOGIN' ELSE 'NOLOGIN' END);
  IF NOT p_login THEN
    PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = r AND pid <> pg_backend_pid();
  END IF;
END
$f$;
ALTER FUNCTION arx.set_operator_login(uuid, boolean) OWNER TO arx_login_admin;
REVOKE ALL ON FUNCTION arx.set_operator_login(uuid, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arx.set_operator_login(uuid, boolean) TO arx_owner;

-- The acting control-plane administrator (administrator in the system tenant).
CREATE FUNCTION arx.acting_administrator() RETURNS uuid LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.current_operator();
BEGIN
  IF op IS NULL THEN
    RAISE EXCEPTION 'arx: % is not the login of an active operator', session_user USING ERRCODE = 'AX401';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM arx.role_grants g JOIN arx.control_plane c ON c.system_tenant = g.tenant_id
                  WHERE g.operator_id = op AND g.role = 'administrator') THEN
    RAISE EXCEPTION 'arx: the operator is not a control-plane administrator' USING ERRCODE = 'AX403', DETAIL = 'administrator';
  END IF;
  RETURN op;
END
$f$;

CREATE FUNCTION arx.system_tenant() RETURNS uuid LANGUAGE sql STABLE
SET search_path = pg_catalog, arx AS $f$ SELECT system_tenant FROM arx.control_plane $f$;

-- The card-signed statement of an administration step: exactly p_want.
CREATE FUNCTION arx.expect_admin_statement(p_op uuid, p_cert bytea, p_envelope jsonb, p_want jsonb) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.expect_statement(arx.signed_statement(p_op, p_cert, p_envelope, 'application/vnd.arx.administration+json'), p_want);
END
$f$;

-- One administration event, checked like arx.append_step_event and appended like arx.append_events,
-- without the writer check that keeps administration types closed to every direct caller.
CREATE FUNCTION arx.append_admin_event(
  p_tenant uuid, p_type text, p_data jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, arx AS $f$
DECLARE doc jsonb; head bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM arx.event_writers w WHERE w.type = p_type AND w.writer = 'administration') THEN
    RAISE EXCEPTION 'arx: % is not an administration event', p_type USING ERRCODE = 'AX424';
  END IF;
  IF coalesce(cardinality(p_types), 0) <> 1 OR cardinality(p_bytes) <> 1 OR cardinality(p_seqs) <> 1
     OR cardinality(p_ids) <> 1 OR cardinality(p_times) <> 1 OR cardinality(p_digests) <> 1 OR cardinality(p_hashes) <> 1
     OR p_types[1] IS DISTINCT FROM p_type THEN
    RAISE EXCEPTION 'arx: this step records exactly one % event', p_type USING ERRCODE = 'AX424';
  END IF;
  IF p_tenant IS DISTINCT FROM arx.current_tenant() THEN
    RAISE EXCEPTION 'arx: this session is not opened for tenant %', p_tenant USING ERRCODE = 'AX402';
  END IF;
  BEGIN
    doc := convert_from(p_bytes[1], 'UTF8')::jsonb;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'arx: the event bytes are not JSON' USING ERRCODE = 'AX424';
  END;
  IF doc->>'type' IS DISTINCT FROM p_type OR NOT coalesce(doc->'data' @> p_data, false)
     OR doc->>'id' IS DISTINCT FROM p_ids[1] OR doc->>'sequence' IS DISTINCT FROM p_seqs[1]::text
     OR doc->>'arxtenant' IS DISTINCT FROM p_tenant::text THEN
    RAISE EXCEPTION 'arx: the % event does not record this step', p_type USING ERRCODE = 'AX424', DETAIL = 'expected data ' || p_data::text;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('arx-chain:' || p_tenant::text, 7));
  SELECT max(seq) INTO head FROM arx.audit_events WHERE tenant_id = p_tenant;
  IF p_seqs[1] <> coalesce(head + 1, 0) THEN
    RAISE EXCEPTION 'arx: the row does not continue the chain at seq %', coalesce(head + 1, 0)
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  INSERT INTO arx.audit_events (tenant_id, seq, event_id, type, time, bytes, doc, event_digest, chain_hash)
  VALUES (p_tenant, p_seqs[1], p_ids[1], p_type, p_times[1]::timestamptz, p_bytes[1], doc, p_digests[1], p_hashes[1]);
END
$f$;

CREATE FUNCTION arx.create_tenant(
  p_id uuid, p_slug text, p_name text, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_administrator();
DECLARE sys uuid := arx.system_tenant();
BEGIN
  PERFORM arx.expect_admin_statement(op, p_cert, p_envelope,
    jsonb_build_object('action', 'tenant.create', 'tenantId', p_id, 'slug', p_slug, 'name', p_name));
  IF EXISTS (SELECT 1 FROM arx.tenants WHERE id = p_id OR slug = p_slug) THEN
    RAISE EXCEPTION 'arx: a tenant % exists already', p_slug USING ERRCODE = 'AX405';
  END IF;
  INSERT INTO arx.tenants (id, slug, name) VALUES (p_id, p_slug, p_name);
  PERFORM arx.append_admin_event(sys, 'com.arx.tenant.created',
    jsonb_build_object('tenantId', p_id, 'slug', p_slug, 'name', p_name, 'by', op),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

-- A role other than isso and administrator, granted by one administrator to someone else.
CREATE FUNCTION arx.grant_role(
  p_tenant uuid, p_operator uuid, p_role text, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_administrator();
BEGIN
  PERFORM arx.expect_admin_statement(op, p_cert, p_envelope,
    jsonb_build_object('action', 'role.grant', 'tenantId', p_tenant, 'operatorId', p_operator, 'role', p_role));
  IF p_operator = op THEN
    RAISE EXCEPTION 'arx: an administrator may not grant a role to themselves' USING ERRCODE = 'AX410';
  END IF;
  IF p_role IN ('isso', 'administrator') THEN
    RAISE EXCEPTION 'arx: granting % needs a second administrator''s approval', p_role USING ERRCODE = 'AX409', DETAIL = 'approval-required';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM arx.operators WHERE id = p_operator AND status = 'active') THEN
    RAISE EXCEPTION 'arx: no active operator %', p_operator USING ERRCODE = 'AX404';
  END IF;
  IF EXISTS (SELECT 1 FROM arx.role_grants WHERE tenant_id = p_tenant AND operator_id = p_operator AND role = p_role) THEN
    RAISE EXCEPTION 'arx: the operator holds % already', p_role USING ERRCODE = 'AX405';
  END IF;
  INSERT INTO arx.role_grants (tenant_id, operator_id, role, granted_by, grant_envelope)
  VALUES (p_tenant, p_operator, p_role, op, p_envelope);
  PERFORM arx.append_admin_event(p_tenant, 'com.arx.role.granted',
    jsonb_build_object('operatorId', p_operator, 'role', p_role, 'by', op, 'approvedBy', NULL),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

-- isso or administrator, step one: the request, signed by one administrator.
CREATE FUNCTION arx.request_role_grant(
  p_request uuid, p_tenant uuid, p_operator uuid, p_role text, p_cert bytea, p_envelope jsonb
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_administrator();
BEGIN
  PERFORM arx.expect_admin_statement(op, p_cert, p_envelope, jsonb_build_object('action', 'role.grant',
    'requestId', p_request, 'tenantId', p_tenant, 'operatorId', p_operator, 'role', p_role));
  IF p_operator = op THEN
    RAISE EXCEPTION 'arx: an administrator may not grant a role to themselves' USING ERRCODE = 'AX410';
  END IF;
  IF p_role NOT IN ('isso', 'administrator') THEN
    RAISE EXCEPTION 'arx: % is granted in one step', p_role USING ERRCODE = 'AX409', DETAIL = 'no-approval';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM arx.operators WHERE id = p_operator AND status = 'active')
     OR NOT EXISTS (SELECT 1 FROM arx.tenants WHERE id = p_tenant) THEN
    RAISE EXCEPTION 'arx: no active operator % or no tenant %', p_operator, p_tenant USING ERRCODE = 'AX404';
  END IF;
  INSERT INTO arx.role_grant_requests (id, tenant_id, operator_id, role, requested_by, request_envelope)
  VALUES (p_request, p_tenant, p_operator, p_role, op, p_envelope);
END
$f$;

-- Step two: a different administrator (not the grantee either) approves; the grant and its event.
CREATE FUNCTION arx.approve_role_grant(
  p_request uuid, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_administrator();
DECLARE q arx.role_grant_requests%ROWTYPE;
BEGIN
  SELECT * INTO q FROM arx.role_grant_requests WHERE id = p_request FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'arx: no grant request %', p_request USING ERRCODE = 'AX404';
  END IF;
  IF q.state <> 'pending' THEN
    RAISE EXCEPTION 'arx: the grant request is %', q.state USING ERRCODE = 'AX409', DETAIL = q.state;
  END IF;
  IF op = q.requested_by OR op = q.operator_id THEN
    RAISE EXCEPTION 'arx: a grant is approved by a second administrator, not its requester or grantee' USING ERRCODE = 'AX410';
  END IF;
  PERFORM arx.expect_admin_statement(op, p_cert, p_envelope, jsonb_build_object('action', 'role.approve',
    'requestId', q.id, 'tenantId', q.tenant_id, 'operatorId', q.operator_id, 'role', q.role));
  UPDATE arx.role_grant_requests SET state = 'approved', approved_by = op, approved_at = now() WHERE id = q.id;
  INSERT INTO arx.role_grants (tenant_id, operator_id, role, granted_by, approved_by, grant_envelope, approval_envelope)
  VALUES (q.tenant_id, q.operator_id, q.role, q.requested_by, op, q.request_envelope, p_envelope)
  ON CONFLICT (tenant_id, operator_id, role) DO NOTHING;
  PERFORM arx.append_admin_event(q.tenant_id, 'com.arx.role.granted',
    jsonb_build_object('operatorId', q.operator_id, 'role', q.role, 'by', q.requested_by, 'approvedBy', op),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.revoke_role(
  p_tenant uuid, p_operator uuid, p_role text, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_administrator();
BEGIN
  PERFORM arx.expect_admin_statement(op, p_cert, p_envelope,
    jsonb_build_object('action', 'role.revoke', 'tenantId', p_tenant, 'operatorId', p_operator, 'role', p_role));
  IF p_role = 'administrator' AND p_tenant = arx.system_tenant()
     AND (SELECT count(*) FROM arx.role_grants WHERE tenant_id = p_tenant AND role = 'administrator') <= 1 THEN
    RAISE EXCEPTION 'arx: the last control-plane administrator cannot be revoked' USING ERRCODE = 'AX409', DETAIL = 'last-administrator';
  END IF;
  DELETE FROM arx.role_grants WHERE tenant_id = p_tenant AND operator_id = p_operator AND role = p_role;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'arx: the operator does not hold %', p_role USING ERRCODE = 'AX404';
  END IF;
  PERFORM arx.append_admin_event(p_tenant, 'com.arx.role.revoked',
    jsonb_build_object('operatorId', p_operator, 'role', p_role, 'by', op),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

-- Disabling is at once: status, NOLOGIN, and the operator's open sessions ended.
CREATE FUNCTION arx.set_operator_status(
  p_operator uuid, p_active boolean, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_administrator();
DECLARE action text := CASE WHEN p_active THEN 'operator.enable' ELSE 'operator.disable' END;
BEGIN
  PERFORM arx.expect_admin_statement(op, p_cert, p_envelope, jsonb_build_object('action', action, 'operatorId', p_operator));
  IF p_operator = op THEN
    RAISE EXCEPTION 'arx: an administrator may not disable or enable themselves' USING ERRCODE = 'AX410';
  END IF;
  UPDATE arx.operators SET status = CASE WHEN p_active THEN 'active' ELSE 'disabled' END WHERE id = p_operator;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'arx: no operator %', p_operator USING ERRCODE = 'AX404';
  END IF;
  PERFORM arx.set_operator_login(p_operator, p_active);
  PERFORM arx.append_admin_event(arx.system_tenant(),
    CASE WHEN p_active THEN 'com.arx.operator.enabled' ELSE 'com.arx.operator.disabled' END,
    jsonb_build_object('operatorId', p_operator, 'by', op),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

-- The head of a tenant's chain, for an administrator who holds no role there (their event follows it).
CREATE FUNCTION arx.admin_chain_head(p_tenant uuid) RETURNS TABLE (seq bigint, chain_hash bytea) LANGUAGE plpgsql
STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  IF p_tenant IS DISTINCT FROM arx.current_tenant() THEN
    RAISE EXCEPTION 'arx: this session is not opened for tenant %', p_tenant USING ERRCODE = 'AX402';
  END IF;
  RETURN QUERY SELECT e.seq, e.chain_hash FROM arx.audit_events e WHERE e.tenant_id = p_tenant ORDER BY e.seq DESC LIMIT 1;
END
$f$;

DO $$
DECLARE f text;
DECLARE ev text := 'bigint[], text[], text[], text[], bytea[], bytea[], bytea[]';
BEGIN
  FOREACH f IN ARRAY ARRAY[
    'arx.acting_administrator()', 'arx.system_tenant()', 'arx.expect_admin_statement(uuid, bytea, jsonb, jsonb)',
    'arx.append_admin_event(uuid, text, jsonb, ' || ev || ')'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
  FOREACH f IN ARRAY ARRAY[
    'arx.admin_chain_head(uuid)',
    'arx.create_tenant(uuid, text, text, bytea, jsonb, ' || ev || ')',
    'arx.grant_role(uuid, uuid, text, bytea, jsonb, ' || ev || ')',
    'arx.request_role_grant(uuid, uuid, uuid, text, bytea, jsonb)',
    'arx.approve_role_grant(uuid, bytea, jsonb, ' || ev || ')',
    'arx.revoke_role(uuid, uuid, text, bytea, jsonb, ' || ev || ')',
    'arx.set_operator_status(uuid, boolean, bytea, jsonb, ' || ev || ')'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO arx_operator', f);
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION arx.system_tenant() TO arx_operator;
`;
