/**
 * 0028: where each chain's signed session closes begin. Until the console signed `session.closed`
 * for a logout, lock or idle lock (docs/events.md, "Writers"), it wrote them unsigned; verifiers
 * and the checkpointer now fail an unsigned one as EVENT_WRITER_UNAUTHENTICATED, which would stop
 * the checkpointer of every chain that holds an old one. This records, per tenant, the chain's size
 * when this migration ran (the upgrade): an unsigned close below it is from before and reported as
 * a warning (EVENT_WRITER_UNSIGNED_LEGACY); at or after it, an error. A tenant with no events then,
 * or created since, has no row: every unsigned close is an error (docs/chain-format.md §8.2).
 * Rows are written here only, never changed (a trigger refuses UPDATE and DELETE).
 */
export const sql = `
CREATE TABLE arx.signed_close_cutover (
  tenant_id uuid PRIMARY KEY REFERENCES arx.tenants(id),
  below_seq bigint NOT NULL CHECK (below_seq > 0),
  recorded_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO arx.signed_close_cutover (tenant_id, below_seq)
  SELECT t.id, s.size FROM arx.tenants t
   CROSS JOIN LATERAL (SELECT max(e.seq) + 1 AS size FROM arx.audit_events e WHERE e.tenant_id = t.id) s
   WHERE s.size IS NOT NULL;
CREATE FUNCTION arx.signed_close_cutover_fixed() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, arx, pg_temp AS $f$
BEGIN
  RAISE EXCEPTION 'arx: the signed-close cut-over is recorded once, never changed' USING ERRCODE = '42501';
END
$f$;
CREATE TRIGGER fixed BEFORE UPDATE OR DELETE OR TRUNCATE ON arx.signed_close_cutover
  FOR EACH STATEMENT EXECUTE FUNCTION arx.signed_close_cutover_fixed();
ALTER TABLE arx.signed_close_cutover ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.signed_close_cutover FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON arx.signed_close_cutover FOR SELECT TO arx_console, arx_gateway, arx_owner
  USING (tenant_id = arx.current_tenant());
CREATE POLICY operator_scope ON arx.signed_close_cutover FOR SELECT TO arx_operator
  USING (tenant_id = (SELECT arx.operator_tenant()));
GRANT SELECT ON arx.signed_close_cutover TO arx_console, arx_gateway, arx_operator, arx_owner;
`;
