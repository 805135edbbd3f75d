/**
 * 0007: receipts of artifacts delivered from a workstation's outbox (docs/cache.md).
 * The console inserts the receipt in the same transaction as the artifact and its audit events;
 * the primary key makes a second delivery of the same item (a retry after a crash, or a copy of
 * the cache on another workstation) fail instead of writing twice: exactly once, server-side.
 */
export const sql = `
CREATE TABLE arx.outbox_receipts (
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  idempotency_key uuid NOT NULL,
  kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
  operator_id uuid REFERENCES arx.operators(id),
  first_seq bigint NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, idempotency_key)
);

CREATE TRIGGER outbox_receipts_append_only BEFORE UPDATE OR DELETE ON arx.outbox_receipts
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();

ALTER TABLE arx.outbox_receipts ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.outbox_receipts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON arx.outbox_receipts USING (tenant_id = arx.current_tenant()) WITH CHECK (tenant_id = arx.current_tenant());

GRANT SELECT, INSERT ON arx.outbox_receipts TO arx_console;
`;
