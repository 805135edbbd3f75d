/**
 * 0011: every change an operator makes goes through a SECURITY DEFINER function (owner arx_owner,
 * pinned search_path, EXECUTE for arx_operator only). Each function takes the operator from the
 * connection's login role (arx.current_operator(), never a parameter), checks the role it needs in
 * the tenant, the two-person rule by operator (a second certificate of the same operator is the
 * same operator), the state transition, the certificate and the statement inside each signature
 * envelope, and appends its audit event through arx.append_events in the same transaction. The
 * event rows are prepared by the caller (PostgreSQL has no BLAKE3) and must be the one event the
 * step records, naming what the step did. Card signatures themselves are verified by the console
 * before the call and by the gateway before it loads anything; the database has no ECDSA.
 *
 * Publications are signed (docs/policy-versions.md): a publication row carries the previous active
 * version and the envelope of the publication statement (tenant, policy, version, previous,
 * sequence), signed by the publisher, or for a rollback by the requester and a different approver.
 *
 * Refusals raise SQLSTATE class AX (controlplane/repos/definer-errors.ts maps them to ArxFailure
 * codes): AX401 not an active operator, AX402 tenant not the session's, AX403 role missing,
 * AX404 not found, AX405 exists already, AX409 state does not allow the step, AX410 self-approval,
 * AX412 the active version or sequence moved, AX413 rollback target invalid, AX422 envelope or
 * statement wrong, AX423 certificate not the operator's signing certificate, AX424 audit event
 * missing or not the step's.
 */
export const sql = `
-- Operators write console event types (through the functions below; they cannot call append_events).
CREATE OR REPLACE FUNCTION arx.may_write(p_writer text) RETURNS boolean LANGUAGE sql STABLE
SET search_path = pg_catalog, arx AS $f$
  SELECT CASE p_writer
    WHEN 'gateway' THEN pg_has_role(session_user, 'arx_gateway', 'MEMBER')
    WHEN 'console' THEN pg_has_role(session_user, 'arx_console', 'MEMBER') OR pg_has_role(session_user, 'arx_operator', 'MEMBER')
    ELSE (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
  END
$f$;

ALTER TABLE arx.policy_publications ADD COLUMN previous_sha256 bytea CHECK (previous_sha256 IS NULL OR length(previous_sha256) = 32);
ALTER TABLE arx.policy_publications ADD COLUMN envelope jsonb;

GRANT SELECT, INSERT, UPDATE, DELETE ON arx.policy_drafts TO arx_owner;
GRANT SELECT, INSERT ON arx.policies, arx.policy_versions, arx.policy_signatures, arx.policy_rollbacks,
  arx.policy_publications, arx.review_certificates, arx.cache_anchors, arx.outbox_receipts TO arx_owner;
GRANT UPDATE (active_version_sha256) ON arx.policies TO arx_owner;
GRANT UPDATE (state) ON arx.policy_versions TO arx_owner;
GRANT UPDATE (approved_by, approval_certificate_sha256, approval_envelope, approved_at, state) ON arx.policy_rollbacks TO arx_owner;
GRANT SELECT ON arx.operator_certificates TO arx_owner;

-- The operator acting, holding one of p_roles (NULL: any role) in p_tenant, the session's tenant.
CREATE FUNCTION arx.acting_operator(p_tenant uuid, p_roles text[]) RETURNS uuid LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.current_operator();
BEGIN
  IF op IS NULL THEN
    RAISE EXCEPTION 'arx: % is not the login of an active operator', session_user USING ERRCODE = 'AX401';
  END IF;
  IF p_tenant IS NULL OR p_tenant IS DISTINCT FROM arx.current_tenant() THEN
    RAISE EXCEPTION 'arx: this session is not opened for tenant %', p_tenant USING ERRCODE = 'AX402';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM arx.role_grants g WHERE g.tenant_id = p_tenant AND g.operator_id = op
                  AND (p_roles IS NULL OR g.role = ANY (p_roles))) THEN
    RAISE EXCEPTION 'arx: the operator holds none of the roles % in this tenant', coalesce(array_to_string(p_roles, ', '), '(any)')
      USING ERRCODE = 'AX403', DETAIL = coalesce(array_to_string(p_roles, ','), '');
  END IF;
  RETURN op;
END
$f$;

-- The statement inside a DSSE envelope signed (keyid) by p_op's enrolled signing certificate p_cert.
CREATE FUNCTION arx.signed_statement(p_op uuid, p_cert bytea, p_envelope jsonb, p_payload_type text)
  RETURNS jsonb LANGUAGE plpgsql STABLE SET search_path = pg_catalog, arx AS $f$
DECLARE st jsonb;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM arx.operator_certificates c WHERE c.sha256 = p_cert AND c.operator_id = p_op AND c.usage = 'signature') THEN
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

CREATE FUNCTION arx.expect_statement(p_got jsonb, p_want jsonb) RETURNS void LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, arx AS $f$
BEGIN
  IF p_got IS DISTINCT FROM p_want THEN
    RAISE EXCEPTION 'arx: the signed statement is not the one this step needs' USING ERRCODE = 'AX422',
      DETAIL = 'expected ' || p_want::text;
  END IF;
END
$f$;

-- The step's one audit event: of type p_type, its data containing p_data; then appended.
CREATE FUNCTION arx.append_step_event(
  p_tenant uuid, p_type text, p_data jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, arx AS $f$
DECLARE doc jsonb;
BEGIN
  IF coalesce(cardinality(p_types), 0) <> 1 OR coalesce(cardinality(p_bytes), 0) <> 1 OR p_types[1] IS DISTINCT FROM p_type THEN
    RAISE EXCEPTION 'arx: this step records exactly one % event', p_type USING ERRCODE = 'AX424';
  END IF;
  BEGIN
    doc := convert_from(p_bytes[1], 'UTF8')::jsonb;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION 'arx: the event bytes are not JSON' USING ERRCODE = 'AX424';
  END;
  IF doc->>'type' IS DISTINCT FROM p_type OR NOT coalesce(doc->'data' @> p_data, false) THEN
    RAISE EXCEPTION 'arx: the % event does not record this step', p_type USING ERRCODE = 'AX424', DETAIL = 'expected data ' || p_data::text;
  END IF;
  PERFORM arx.append_events(p_tenant, p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.lock_chain(p_tenant uuid) RETURNS void LANGUAGE sql
SET search_path = pg_catalog, arx AS $f$
  SELECT pg_advisory_xact_lock(hashtextextended('arx-chain:' || p_tenant::text, 7))
$f$;

CREATE FUNCTION arx.hex_or_null(p bytea) RETURNS jsonb LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, arx AS $f$
  SELECT CASE WHEN p IS NULL THEN 'null'::jsonb ELSE to_jsonb(encode(p, 'hex')) END
$f$;

-- The publication statement (docs/policy-versions.md, "Signed publications").
CREATE FUNCTION arx.publication_statement(
  p_kind text, p_tenant uuid, p_policy uuid, p_sha256 bytea, p_blake3 bytea, p_previous bytea, p_sequence int, p_rollback uuid
) RETURNS jsonb LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, arx AS $f$
  SELECT jsonb_build_object('_type', 'arx.policy-publication/v1', 'kind', p_kind, 'tenantId', p_tenant::text,
    'policyId', p_policy::text, 'version', jsonb_build_object('sha256', encode(p_sha256, 'hex'), 'blake3', encode(p_blake3, 'hex')),
    'previousSha256', arx.hex_or_null(p_previous), 'sequence', p_sequence,
    'rollbackId', CASE WHEN p_rollback IS NULL THEN 'null'::jsonb ELSE to_jsonb(p_rollback::text) END)
$f$;

CREATE FUNCTION arx.next_publication(p_tenant uuid, p_policy uuid) RETURNS int LANGUAGE sql STABLE
SET search_path = pg_catalog, arx AS $f$
  SELECT coalesce(max(seq) + 1, 0)::int FROM arx.policy_publications WHERE tenant_id = p_tenant AND policy_id = p_policy
$f$;

-- Makes a version active under a signed publication: the previous active one is superseded.
CREATE FUNCTION arx.activate_version(
  p_tenant uuid, p_policy uuid, p_sha256 bytea, p_previous bytea, p_sequence int, p_kind text, p_rollback uuid, p_by uuid, p_envelope jsonb
) RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, arx AS $f$
DECLARE active bytea;
BEGIN
  SELECT active_version_sha256 INTO active FROM arx.policies WHERE tenant_id = p_tenant AND id = p_policy FOR UPDATE;
  IF active IS DISTINCT FROM p_previous OR arx.next_publication(p_tenant, p_policy) <> p_sequence THEN
    RAISE EXCEPTION 'arx: the active version or the publication sequence changed since this was signed (active %, next %)',
      coalesce(encode(active, 'hex'), 'none'), arx.next_publication(p_tenant, p_policy) USING ERRCODE = 'AX412';
  END IF;
  IF active = p_sha256 THEN
    RAISE EXCEPTION 'arx: the version is already the active version' USING ERRCODE = 'AX409';
  END IF;
  IF active IS NOT NULL THEN
    UPDATE arx.policy_versions SET state = 'superseded' WHERE tenant_id = p_tenant AND sha256 = active;
  END IF;
  UPDATE arx.policy_versions SET state = 'published' WHERE tenant_id = p_tenant AND sha256 = p_sha256;
  UPDATE arx.policies SET active_version_sha256 = p_sha256 WHERE tenant_id = p_tenant AND id = p_policy;
  INSERT INTO arx.policy_publications (tenant_id, policy_id, seq, version_sha256, kind, rollback_id, published_by, previous_sha256, envelope)
  VALUES (p_tenant, p_policy, p_sequence, p_sha256, p_kind, p_rollback, p_by, p_previous, p_envelope);
END
$f$;

CREATE FUNCTION arx.save_draft(
  p_tenant uuid, p_policy_name text, p_base bytea, p_text text, p_schema text, p_tests jsonb
) RETURNS timestamptz LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, ARRAY['policy-author']);
DECLARE saved timestamptz;
BEGIN
  IF p_base IS NOT NULL AND NOT EXISTS (SELECT 1 FROM arx.policy_versions WHERE tenant_id = p_tenant AND sha256 = p_base) THEN
    RAISE EXCEPTION 'arx: the base version % is not in this tenant', encode(p_base, 'hex') USING ERRCODE = 'AX404';
  END IF;
  INSERT INTO arx.policy_drafts (tenant_id, operator_id, policy_name, base_sha256, policy_text, schema_text, tests, saved_at)
  VALUES (p_tenant, op, p_policy_name, p_base, p_text, p_schema, p_tests, clock_timestamp())
  ON CONFLICT (tenant_id, operator_id, policy_name) DO UPDATE
    SET base_sha256 = EXCLUDED.base_sha256, policy_text = EXCLUDED.policy_text, schema_text = EXCLUDED.schema_text,
        tests = EXCLUDED.tests, saved_at = EXCLUDED.saved_at
  RETURNING saved_at INTO saved;
  RETURN saved;
END
$f$;

CREATE FUNCTION arx.discard_draft(p_tenant uuid, p_policy_name text) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, NULL);
BEGIN
  DELETE FROM arx.policy_drafts WHERE tenant_id = p_tenant AND operator_id = op AND policy_name = p_policy_name;
  RETURN FOUND;
END
$f$;

CREATE FUNCTION arx.submit_version(
  p_tenant uuid, p_policy uuid, p_policy_name text, p_sha256 bytea, p_blake3 bytea, p_parent bytea,
  p_text text, p_schema text, p_tests jsonb, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, ARRAY['policy-author']);
DECLARE existing uuid;
BEGIN
  PERFORM arx.lock_chain(p_tenant);
  SELECT id INTO existing FROM arx.policies WHERE tenant_id = p_tenant AND name = p_policy_name FOR UPDATE;
  IF existing IS NULL THEN
    INSERT INTO arx.policies (id, tenant_id, name) VALUES (p_policy, p_tenant, p_policy_name);
  ELSIF existing <> p_policy THEN
    RAISE EXCEPTION 'arx: policy % is % in this tenant, not %', p_policy_name, existing, p_policy USING ERRCODE = 'AX409';
  END IF;
  IF EXISTS (SELECT 1 FROM arx.policy_versions WHERE tenant_id = p_tenant AND sha256 = p_sha256) THEN
    RAISE EXCEPTION 'arx: version % already exists in this tenant', encode(p_sha256, 'hex') USING ERRCODE = 'AX405';
  END IF;
  PERFORM arx.expect_statement(
    arx.signed_statement(op, p_cert, p_envelope, 'application/vnd.arx.policy-signature+json'),
    jsonb_build_object('_type', 'arx.policy-signature/v1', 'role', 'author', 'tenantId', p_tenant::text, 'policyId', p_policy::text,
      'version', jsonb_build_object('sha256', encode(p_sha256, 'hex'), 'blake3', encode(p_blake3, 'hex'))));
  INSERT INTO arx.policy_versions (sha256, blake3, tenant_id, policy_id, parent_sha256, policy_text, schema_text, tests, author_id, state)
  VALUES (p_sha256, p_blake3, p_tenant, p_policy, p_parent, p_text, p_schema, p_tests, op, 'submitted');
  INSERT INTO arx.policy_signatures (version_sha256, tenant_id, operator_id, role, certificate_sha256, envelope)
  VALUES (p_sha256, p_tenant, op, 'author', p_cert, p_envelope);
  DELETE FROM arx.policy_drafts WHERE tenant_id = p_tenant AND operator_id = op AND policy_name = p_policy_name;
  PERFORM arx.append_step_event(p_tenant, 'com.arx.policy.submitted',
    jsonb_build_object('policyId', p_policy::text, 'versionSha256', encode(p_sha256, 'hex'), 'author', op::text),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

-- A submitted version, locked; AX404 / AX409 otherwise.
CREATE FUNCTION arx.submitted_version(p_tenant uuid, p_sha256 bytea)
  RETURNS TABLE (policy_id uuid, blake3 bytea, author_id uuid) LANGUAGE plpgsql
SET search_path = pg_catalog, arx AS $f$
DECLARE st text;
BEGIN
  SELECT v.state, v.policy_id, v.blake3, v.author_id INTO st, policy_id, blake3, author_id
    FROM arx.policy_versions v WHERE v.tenant_id = p_tenant AND v.sha256 = p_sha256 FOR UPDATE;
  IF st IS NULL THEN
    RAISE EXCEPTION 'arx: no version % in this tenant', encode(p_sha256, 'hex') USING ERRCODE = 'AX404';
  ELSIF st <> 'submitted' THEN
    RAISE EXCEPTION 'arx: version % is %; only a submitted version can be approved or rejected', encode(p_sha256, 'hex'), st
      USING ERRCODE = 'AX409', DETAIL = st;
  END IF;
  RETURN NEXT;
END
$f$;

CREATE FUNCTION arx.approve_version(
  p_tenant uuid, p_sha256 bytea, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, ARRAY['approver']);
DECLARE v record;
BEGIN
  PERFORM arx.lock_chain(p_tenant);
  SELECT * INTO v FROM arx.submitted_version(p_tenant, p_sha256);
  IF v.author_id = op THEN
    RAISE EXCEPTION 'arx: the author of a version may not approve it' USING ERRCODE = 'AX410';
  END IF;
  PERFORM arx.expect_statement(
    arx.signed_statement(op, p_cert, p_envelope, 'application/vnd.arx.policy-signature+json'),
    jsonb_build_object('_type', 'arx.policy-signature/v1', 'role', 'approver', 'tenantId', p_tenant::text, 'policyId', v.policy_id::text,
      'version', jsonb_build_object('sha256', encode(p_sha256, 'hex'), 'blake3', encode(v.blake3, 'hex'))));
  INSERT INTO arx.policy_signatures (version_sha256, tenant_id, operator_id, role, certificate_sha256, envelope)
  VALUES (p_sha256, p_tenant, op, 'approver', p_cert, p_envelope);
  UPDATE arx.policy_versions SET state = 'approved' WHERE tenant_id = p_tenant AND sha256 = p_sha256;
  PERFORM arx.append_step_event(p_tenant, 'com.arx.policy.approved',
    jsonb_build_object('policyId', v.policy_id::text, 'versionSha256', encode(p_sha256, 'hex'), 'approver', op::text),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.reject_version(
  p_tenant uuid, p_sha256 bytea,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, ARRAY['approver']);
DECLARE v record;
BEGIN
  PERFORM arx.lock_chain(p_tenant);
  SELECT * INTO v FROM arx.submitted_version(p_tenant, p_sha256);
  UPDATE arx.policy_versions SET state = 'rejected' WHERE tenant_id = p_tenant AND sha256 = p_sha256;
  PERFORM arx.append_step_event(p_tenant, 'com.arx.policy.rejected',
    jsonb_build_object('policyId', v.policy_id::text, 'versionSha256', encode(p_sha256, 'hex'), 'by', op::text),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.publish_version(
  p_tenant uuid, p_sha256 bytea, p_previous bytea, p_sequence int, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, ARRAY['approver', 'policy-author']);
DECLARE v record;
BEGIN
  PERFORM arx.lock_chain(p_tenant);
  SELECT state, policy_id, blake3, author_id INTO v FROM arx.policy_versions
   WHERE tenant_id = p_tenant AND sha256 = p_sha256 FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'arx: no version % in this tenant', encode(p_sha256, 'hex') USING ERRCODE = 'AX404';
  ELSIF v.state <> 'approved' THEN
    RAISE EXCEPTION 'arx: version % is %; only an approved version can be published', encode(p_sha256, 'hex'), v.state
      USING ERRCODE = 'AX409', DETAIL = v.state;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM arx.policy_signatures a JOIN arx.policy_signatures b USING (tenant_id, version_sha256)
                  WHERE a.tenant_id = p_tenant AND a.version_sha256 = p_sha256 AND a.role = 'author' AND a.operator_id = v.author_id
                    AND b.role = 'approver' AND b.operator_id <> a.operator_id) THEN
    RAISE EXCEPTION 'arx: version % is not signed by its author and a different approver', encode(p_sha256, 'hex') USING ERRCODE = 'AX409';
  END IF;
  PERFORM arx.expect_statement(
    arx.signed_statement(op, p_cert, p_envelope, 'application/vnd.arx.policy-publication+json'),
    arx.publication_statement('publish', p_tenant, v.policy_id, p_sha256, v.blake3, p_previous, p_sequence, NULL));
  PERFORM arx.activate_version(p_tenant, v.policy_id, p_sha256, p_previous, p_sequence, 'publish', NULL, op, p_envelope);
  PERFORM arx.append_step_event(p_tenant, 'com.arx.policy.published',
    jsonb_build_object('policyId', v.policy_id::text, 'versionSha256', encode(p_sha256, 'hex'), 'previousSha256', arx.hex_or_null(p_previous),
      'publishedBy', op::text),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.request_rollback(
  p_tenant uuid, p_rollback uuid, p_to bytea, p_previous bytea, p_sequence int, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, ARRAY['policy-author', 'approver']);
DECLARE v record;
DECLARE active bytea;
BEGIN
  PERFORM arx.lock_chain(p_tenant);
  SELECT policy_id, blake3 INTO v FROM arx.policy_versions WHERE tenant_id = p_tenant AND sha256 = p_to;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'arx: no version % in this tenant', encode(p_to, 'hex') USING ERRCODE = 'AX404';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM arx.policy_publications WHERE tenant_id = p_tenant AND policy_id = v.policy_id AND version_sha256 = p_to) THEN
    RAISE EXCEPTION 'arx: version % was never published', encode(p_to, 'hex') USING ERRCODE = 'AX413';
  END IF;
  SELECT active_version_sha256 INTO active FROM arx.policies WHERE tenant_id = p_tenant AND id = v.policy_id FOR UPDATE;
  IF active = p_to THEN
    RAISE EXCEPTION 'arx: version % is the active version already', encode(p_to, 'hex') USING ERRCODE = 'AX413';
  END IF;
  IF active IS DISTINCT FROM p_previous OR arx.next_publication(p_tenant, v.policy_id) <> p_sequence THEN
    RAISE EXCEPTION 'arx: the active version or the publication sequence changed since this was signed' USING ERRCODE = 'AX412';
  END IF;
  PERFORM arx.expect_statement(
    arx.signed_statement(op, p_cert, p_envelope, 'application/vnd.arx.policy-publication+json'),
    arx.publication_statement('rollback', p_tenant, v.policy_id, p_to, v.blake3, p_previous, p_sequence, p_rollback));
  INSERT INTO arx.policy_rollbacks (id, tenant_id, policy_id, to_sha256, from_sha256, requested_by, request_certificate_sha256, request_envelope)
  VALUES (p_rollback, p_tenant, v.policy_id, p_to, p_previous, op, p_cert, p_envelope);
  PERFORM arx.append_step_event(p_tenant, 'com.arx.policy.rollbackrequested',
    jsonb_build_object('policyId', v.policy_id::text, 'versionSha256', encode(p_to, 'hex'), 'rollbackId', p_rollback::text,
      'fromSha256', arx.hex_or_null(p_previous), 'requestedBy', op::text),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.approve_rollback(
  p_tenant uuid, p_rollback uuid, p_cert bytea, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, ARRAY['approver']);
DECLARE r record;
DECLARE st jsonb;
BEGIN
  PERFORM arx.lock_chain(p_tenant);
  SELECT * INTO r FROM arx.policy_rollbacks WHERE tenant_id = p_tenant AND id = p_rollback FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'arx: no rollback % in this tenant', p_rollback USING ERRCODE = 'AX404';
  ELSIF r.state <> 'requested' THEN
    RAISE EXCEPTION 'arx: rollback % is %', p_rollback, r.state USING ERRCODE = 'AX409', DETAIL = r.state;
  ELSIF r.requested_by = op THEN
    RAISE EXCEPTION 'arx: the requester of a rollback may not approve it' USING ERRCODE = 'AX410';
  END IF;
  st := arx.signed_statement(op, p_cert, p_envelope, 'application/vnd.arx.policy-publication+json');
  IF p_envelope->>'payload' IS DISTINCT FROM r.request_envelope->>'payload' THEN
    RAISE EXCEPTION 'arx: the approval signs another statement than the request' USING ERRCODE = 'AX422';
  END IF;
  UPDATE arx.policy_rollbacks SET approved_by = op, approval_certificate_sha256 = p_cert, approval_envelope = p_envelope,
         approved_at = now(), state = 'applied' WHERE id = p_rollback;
  PERFORM arx.activate_version(p_tenant, r.policy_id, r.to_sha256, r.from_sha256, (st->>'sequence')::int, 'rollback', p_rollback, op,
    jsonb_set(r.request_envelope, '{signatures}', (r.request_envelope->'signatures') || (p_envelope->'signatures')));
  PERFORM arx.append_step_event(p_tenant, 'com.arx.policy.rolledback',
    jsonb_build_object('policyId', r.policy_id::text, 'versionSha256', encode(r.to_sha256, 'hex'), 'by', op::text),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.record_review(
  p_tenant uuid, p_review uuid, p_from bigint, p_to bigint, p_envelope jsonb,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, ARRAY['isso']);
BEGIN
  PERFORM arx.lock_chain(p_tenant);
  INSERT INTO arx.review_certificates (id, tenant_id, signer_id, from_seq, to_seq, envelope)
  VALUES (p_review, p_tenant, op, p_from, p_to, p_envelope);
  PERFORM arx.append_step_event(p_tenant, 'com.arx.review.signed',
    jsonb_build_object('reviewId', p_review::text, 'fromSeq', p_from, 'toSeq', p_to,
      'signer', (SELECT edipi::text FROM arx.operators WHERE id = op)),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.record_bundle_export(
  p_tenant uuid,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, ARRAY['isso', 'auditor', 'administrator']);
BEGIN
  PERFORM arx.lock_chain(p_tenant);
  PERFORM arx.append_step_event(p_tenant, 'com.arx.bundle.exported', jsonb_build_object('exporter', op::text),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

CREATE FUNCTION arx.record_cache_anchor(p_tenant uuid, p_cache uuid, p_counter bigint, p_mac text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, NULL);
BEGIN
  INSERT INTO arx.cache_anchors (tenant_id, cache_id, counter, mac, operator_id) VALUES (p_tenant, p_cache, p_counter, p_mac, op)
  ON CONFLICT DO NOTHING;
END
$f$;

CREATE FUNCTION arx.record_outbox_receipt(p_tenant uuid, p_key uuid, p_kind text, p_first_seq bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, NULL);
BEGIN
  INSERT INTO arx.outbox_receipts (tenant_id, idempotency_key, kind, operator_id, first_seq) VALUES (p_tenant, p_key, p_kind, op, p_first_seq);
END
$f$;

DO $$
DECLARE f record;
BEGIN
  FOR f IN SELECT p.oid::regprocedure AS sig, p.prosecdef AS definer FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'arx' AND p.proname IN ('acting_operator', 'signed_statement', 'expect_statement', 'append_step_event',
              'lock_chain', 'hex_or_null', 'publication_statement', 'next_publication', 'activate_version', 'submitted_version',
              'save_draft', 'discard_draft', 'submit_version', 'approve_version', 'reject_version', 'publish_version',
              'request_rollback', 'approve_rollback', 'record_review', 'record_bundle_export', 'record_cache_anchor',
              'record_outbox_receipt') LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f.sig);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f.sig);
    IF f.definer THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO arx_operator', f.sig);
    END IF;
  END LOOP;
END $$;
`;
