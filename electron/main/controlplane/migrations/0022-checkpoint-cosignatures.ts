/**
 * 0022: witness cosignatures on stored checkpoints (docs/chain-format.md §9). An ISSO registers a
 * witness key (Ed25519, cosignature/v1) for a tenant, bound to their operator id; cosignature
 * lines are attached to stored checkpoints only through arx.record_cosignature, as that operator,
 * with a key of theirs. The database cannot verify Ed25519, so verifiers check every signature;
 * what it checks is who and what: the line's key ID is the registered key's (SHA-256 over name,
 * 0x0A, 0x04, key), the checkpoint is stored, and the witness never goes back nor signs a second
 * root at a size it cosigned (a fork). Both tables are append-only; no role writes them directly.
 */
export const sql = `
CREATE TABLE arx.witness_keys (
  tenant_id uuid NOT NULL REFERENCES arx.tenants(id),
  name text NOT NULL CHECK (name ~ '^[^[:space:]+]{1,255}$'),
  public_key bytea NOT NULL CHECK (length(public_key) = 32),
  operator_id uuid NOT NULL REFERENCES arx.operators(id),
  registered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, name)
);

CREATE TABLE arx.checkpoint_cosignatures (
  tenant_id uuid NOT NULL,
  witness_name text NOT NULL,
  tree_size bigint NOT NULL CHECK (tree_size >= 0),
  root bytea NOT NULL CHECK (length(root) = 32),
  -- The cosignature's own timestamp (POSIX seconds), as signed.
  cosigned_at bigint NOT NULL CHECK (cosigned_at >= 0),
  -- The note signature line, verbatim: '— <name> <base64(key ID ‖ timestamp ‖ signature)>' and a newline.
  line text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, witness_name, tree_size, cosigned_at),
  FOREIGN KEY (tenant_id, witness_name) REFERENCES arx.witness_keys (tenant_id, name)
);
CREATE INDEX checkpoint_cosignatures_size ON arx.checkpoint_cosignatures (tenant_id, tree_size, root);

CREATE TRIGGER witness_keys_append_only BEFORE UPDATE OR DELETE ON arx.witness_keys
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER witness_keys_no_truncate BEFORE TRUNCATE ON arx.witness_keys
  FOR EACH STATEMENT EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER checkpoint_cosignatures_append_only BEFORE UPDATE OR DELETE ON arx.checkpoint_cosignatures
  FOR EACH ROW EXECUTE FUNCTION arx.refuse_change();
CREATE TRIGGER checkpoint_cosignatures_no_truncate BEFORE TRUNCATE ON arx.checkpoint_cosignatures
  FOR EACH STATEMENT EXECUTE FUNCTION arx.refuse_change();

ALTER TABLE arx.witness_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.witness_keys FORCE ROW LEVEL SECURITY;
ALTER TABLE arx.checkpoint_cosignatures ENABLE ROW LEVEL SECURITY;
ALTER TABLE arx.checkpoint_cosignatures FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON arx.witness_keys TO arx_console, arx_gateway, arx_owner
  USING (tenant_id = arx.current_tenant()) WITH CHECK (tenant_id = arx.current_tenant());
CREATE POLICY tenant_isolation ON arx.checkpoint_cosignatures TO arx_console, arx_gateway, arx_owner
  USING (tenant_id = arx.current_tenant()) WITH CHECK (tenant_id = arx.current_tenant());
CREATE POLICY operator_scope ON arx.witness_keys FOR SELECT TO arx_operator
  USING (tenant_id = arx.current_tenant() AND arx.operator_in_tenant(tenant_id));
CREATE POLICY operator_scope ON arx.checkpoint_cosignatures FOR SELECT TO arx_operator
  USING (tenant_id = arx.current_tenant() AND arx.operator_in_tenant(tenant_id));

REVOKE ALL ON arx.witness_keys, arx.checkpoint_cosignatures FROM PUBLIC, arx_console, arx_gateway, arx_operator;
GRANT SELECT ON arx.witness_keys, arx.checkpoint_cosignatures TO arx_console, arx_gateway, arx_operator;
GRANT SELECT, INSERT ON arx.witness_keys, arx.checkpoint_cosignatures TO arx_owner;
GRANT SELECT ON arx.checkpoints TO arx_owner;

CREATE FUNCTION arx.register_witness_key(p_tenant uuid, p_name text, p_public_key bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE op uuid := arx.acting_operator(p_tenant, ARRAY['isso']);
BEGIN
  IF EXISTS (SELECT 1 FROM arx.witness_keys WHERE tenant_id = p_tenant AND name = p_name) THEN
    RAISE EXCEPTION 'arx: the witness name % is taken in this tenant', p_name USING ERRCODE = 'AX405';
  END IF;
  INSERT INTO arx.witness_keys (tenant_id, name, public_key, operator_id) VALUES (p_tenant, p_name, p_public_key, op);
END
$f$;

CREATE FUNCTION arx.record_cosignature(p_tenant uuid, p_tree_size bigint, p_root bytea, p_line text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE
  op uuid := arx.acting_operator(p_tenant, ARRAY['isso']);
  m text[] := regexp_match(p_line, '^\u2014 ([^[:space:]+]{1,255}) ([A-Za-z0-9+/]{102}==)\n$');
  blob bytea;
  k arx.witness_keys;
  prior record;
  ts bigint;
BEGIN
  IF m IS NULL THEN
    RAISE EXCEPTION 'arx: not a cosignature/v1 line' USING ERRCODE = 'AX432';
  END IF;
  blob := decode(m[2], 'base64');
  SELECT * INTO k FROM arx.witness_keys WHERE tenant_id = p_tenant AND name = m[1] AND operator_id = op;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'arx: % is not a witness key of this operator in this tenant', m[1] USING ERRCODE = 'AX403';
  END IF;
  IF length(blob) <> 76
     OR substr(blob, 1, 4) <> substr(sha256(convert_to(k.name || E'\n', 'UTF8') || '\\x04'::bytea || k.public_key), 1, 4) THEN
    RAISE EXCEPTION 'arx: the key ID is not that of witness key %', k.name USING ERRCODE = 'AX432';
  END IF;
  ts := ('x' || encode(substr(blob, 5, 8), 'hex'))::bit(64)::bigint;
  IF ts < 0 THEN
    RAISE EXCEPTION 'arx: the cosignature time is out of range' USING ERRCODE = 'AX432';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM arx.checkpoints c WHERE c.tenant_id = p_tenant AND c.tree_size = p_tree_size AND c.root = p_root) THEN
    RAISE EXCEPTION 'arx: no stored checkpoint of size % with this root', p_tree_size USING ERRCODE = 'AX404';
  END IF;
  -- One writer per witness: the check against its newest cosignature and the insert are one step.
  PERFORM pg_advisory_xact_lock(hashtextextended('arx/witness/' || p_tenant::text || '/' || k.name, 0));
  SELECT tree_size, root INTO prior FROM arx.checkpoint_cosignatures
   WHERE tenant_id = p_tenant AND witness_name = k.name ORDER BY tree_size DESC LIMIT 1;
  IF FOUND AND p_tree_size < prior.tree_size THEN
    RAISE EXCEPTION 'arx: witness % already cosigned size %', k.name, prior.tree_size USING ERRCODE = 'AX431';
  END IF;
  IF FOUND AND p_tree_size = prior.tree_size AND p_root <> prior.root THEN
    RAISE EXCEPTION 'arx: witness % cosigned another root at size %', k.name, p_tree_size USING ERRCODE = 'AX430';
  END IF;
  INSERT INTO arx.checkpoint_cosignatures (tenant_id, witness_name, tree_size, root, cosigned_at, line)
  VALUES (p_tenant, k.name, p_tree_size, p_root, ts, p_line)
  ON CONFLICT DO NOTHING;
END
$f$;

DO $$
DECLARE f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['arx.register_witness_key(uuid, text, bytea)', 'arx.record_cosignature(uuid, bigint, bytea, text)'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO arx_operator', f);
  END LOOP;
END $$;
`;
