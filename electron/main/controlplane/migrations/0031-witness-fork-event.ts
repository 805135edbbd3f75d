/**
 * 0031: a witness's refusal recorded as evidence (docs/chain-format.md §9.4). An ISSO console that
 * witnesses a tenant and is offered a checkpoint that does not extend what it cosigned (a fork, a
 * rollback, a proof that fails) appends one card-signed `com.arx.witness.forkdetected` event to the
 * tenant's chain through arx.record_witness_fork, as that ISSO: the event names the operator the
 * login is and the checkpoint it refused. The database cannot judge the claim (it holds no Ed25519
 * and no Merkle code); verifiers read the two notes in the event.
 */
export const sql = `
INSERT INTO arx.event_writers (type, writer) VALUES ('com.arx.witness.forkdetected', 'console');

CREATE FUNCTION arx.record_witness_fork(
  p_tenant uuid,
  p_seqs bigint[], p_ids text[], p_types text[], p_times text[], p_bytes bytea[], p_digests bytea[], p_hashes bytea[]
) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, ARRAY['isso']);
BEGIN
  PERFORM arx.lock_chain(p_tenant);
  PERFORM arx.append_step_event(p_tenant, 'com.arx.witness.forkdetected', jsonb_build_object('operatorId', op::text),
    p_seqs, p_ids, p_types, p_times, p_bytes, p_digests, p_hashes);
END
$f$;

ALTER FUNCTION arx.record_witness_fork(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[]) OWNER TO arx_owner;
REVOKE ALL ON FUNCTION arx.record_witness_fork(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION arx.record_witness_fork(uuid, bigint[], text[], text[], text[], bytea[], bytea[], bytea[]) TO arx_operator;
`;
