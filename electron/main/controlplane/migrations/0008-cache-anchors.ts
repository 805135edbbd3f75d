/**
 * 0008: anchors of workstation caches (docs/cache.md "Rollback"). While the control plane
 * is connected, the console appends the change counter of its local cache's sealed manifest, with a
 * MAC under a key only that cache holds (electron/main/cache/anchor.ts). A cache file whose counter
 * is below its latest authentic anchor is an older copy put back: CACHE_ROLLED_BACK.
 * Append-only (a counter cannot be lowered or removed), tenant-scoped like every tenant table.
 */
export const sql = `
CREATE TABLE arx.cache_anchors (
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  cache_id uuid NOT NULL,
  counter bigint NOT NULL CHECK (counter >= 0),
  mac text NOT NULL CHECK (mac ~ '^[0-9a-f]{64}$'),
  operator_id uuid REFERENCES arx.operators(id),
  anchored_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, cache_id, counter, mac)
);

CREATE TRIGGER cache_anchors_append_only BEFORE UPDATE OR DELETE ON arx.cache_anchors
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();

ALTER TABLE arx.cache_anchors ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.cache_anchors FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON arx.cache_anchors USING (tenant_id = arx.current_tenant()) WITH CHECK (tenant_id = arx.current_tenant());

GRANT SELECT, INSERT ON arx.cache_anchors TO arx_console;
`;
