/**
 * 0018: the console's repositories make every change through the definer functions, so the
 * transitional rights of 0012 go: no INSERT, UPDATE, DELETE or TRUNCATE on any arx table for the
 * operators (arx_operator) or the shared console role (arx_console), 0012's write policies are
 * dropped, and arx_operator may no longer call arx.append_events itself. The definer functions
 * still append through it (as their owner; append_events checks session_user, which is still the
 * operator's login). The gateway's rights (arx_gateway) are untouched.
 *
 * Session events (opened, closed) were the last events operators appended directly: they go
 * through arx.record_session_event, which takes the operator from the login role and records only
 * those two types, naming that operator, in a tenant the operator holds a role in.
 */
export const sql = `
CREATE FUNCTION arx.record_session_event(
  p_tenant uuid,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, NULL);
BEGIN
  IF coalesce(cardinality(p_types), 0) <> 1
     OR NOT coalesce(p_types[1] = ANY (ARRAY['com.arx.session.opened', 'com.arx.session.closed']), false) THEN
    RAISE EXCEPTION 'arx: this function records one com.arx.session.opened or com.arx.session.closed event'
      USING ERRCODE = 'AX424';
  END IF;
  PERFORM arx.lock_chain(p_tenant);
  PERFORM arx.append_step_event(p_tenant, p_types[1], jsonb_build_object('operatorId', op::text),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;
ALTER FUNCTION arx.record_session_event(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[]) OWNER TO arx_owner;
REVOKE ALL ON FUNCTION arx.record_session_event(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arx.record_session_event(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[])
  TO arx_operator;

-- No direct writes for the console's roles (column grants go with the table's).
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA arx FROM arx_console, arx_operator;

-- 0012's write policies.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['policies', 'policy_versions', 'policy_signatures', 'review_certificates', 'policy_drafts',
    'policy_rollbacks', 'policy_publications', 'outbox_receipts', 'cache_anchors'] LOOP
    EXECUTE format('DROP POLICY IF EXISTS operator_insert ON arx.%I', t);
    EXECUTE format('DROP POLICY IF EXISTS operator_update ON arx.%I', t);
  END LOOP;
END $$;
DROP POLICY IF EXISTS operator_delete ON arx.policy_drafts;

-- Operators append only through the definer functions.
REVOKE EXECUTE ON FUNCTION arx.append_events(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[])
  FROM arx_operator;
`;
