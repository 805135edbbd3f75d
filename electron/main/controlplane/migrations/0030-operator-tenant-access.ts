/**
 * 0030: an operator's row check reads one row. arx.operator_tenant() (0024) joined role_grants,
 * operator_logins and operators in every query an operator ran; the answer to that join is now
 * kept in arx.operator_tenant_access (login role, tenant), one row per tenant where an active,
 * enrolled operator holds at least one role, and the function probes its primary key. The table is
 * derived, by the database and in the same transaction, from those three tables: a trigger on each
 * recomputes the rows of the operator whose grants, login or status changed, so a grant, a
 * revocation or a disabling shows at the next query exactly as before. Nobody but arx_owner (the
 * triggers) may read or write it.
 *
 * Recomputations of one operator are serialized by a counter row they all update first: under READ
 * COMMITTED the later one waits and then reads what the earlier committed; under REPEATABLE READ or
 * SERIALIZABLE it fails with a serialization error instead of writing from an old snapshot (two
 * concurrent changes that each saw only their own would otherwise leave a revoked tenant behind).
 */
export const sql = `
CREATE TABLE arx.operator_tenant_access (
  db_role name NOT NULL,
  tenant_id uuid NOT NULL,
  operator_id uuid NOT NULL,
  PRIMARY KEY (db_role, tenant_id)
);
CREATE INDEX operator_tenant_access_operator ON arx.operator_tenant_access (operator_id);
CREATE TABLE arx.operator_tenant_access_epoch (
  operator_id uuid PRIMARY KEY,
  epoch bigint NOT NULL
);
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['operator_tenant_access', 'operator_tenant_access_epoch'] LOOP
    EXECUTE format('ALTER TABLE arx.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE arx.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON arx.%I FROM PUBLIC', t);
    EXECUTE format('CREATE POLICY definer ON arx.%I TO arx_owner USING (true) WITH CHECK (true)', t);
  END LOOP;
END $$;
GRANT SELECT, INSERT, DELETE ON arx.operator_tenant_access TO arx_owner;
GRANT SELECT, INSERT, UPDATE ON arx.operator_tenant_access_epoch TO arx_owner;

CREATE FUNCTION arx.refresh_operator_tenant_access(p_operator uuid) RETURNS void LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, arx, pg_temp AS $f$
BEGIN
  IF p_operator IS NULL THEN RETURN; END IF;
  INSERT INTO arx.operator_tenant_access_epoch AS e (operator_id, epoch) VALUES (p_operator, 1)
    ON CONFLICT (operator_id) DO UPDATE SET epoch = e.epoch + 1;
  DELETE FROM arx.operator_tenant_access WHERE operator_id = p_operator;
  INSERT INTO arx.operator_tenant_access (db_role, tenant_id, operator_id)
    SELECT DISTINCT l.db_role, g.tenant_id, g.operator_id FROM arx.role_grants g
      JOIN arx.operator_logins l ON l.operator_id = g.operator_id
      JOIN arx.operators o ON o.id = g.operator_id
     WHERE g.operator_id = p_operator AND o.status = 'active';
END
$f$;

CREATE FUNCTION arx.operator_tenant_access_follows() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, arx, pg_temp AS $f$
BEGIN
  IF TG_TABLE_NAME = 'operators' THEN
    PERFORM arx.refresh_operator_tenant_access(OLD.id);
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM arx.refresh_operator_tenant_access(OLD.operator_id); END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM arx.refresh_operator_tenant_access(NEW.operator_id); END IF;
  RETURN NULL;
END
$f$;

-- TRUNCATE (a superuser's): every operator's rows again, the whole table locked meanwhile.
CREATE FUNCTION arx.operator_tenant_access_rebuild() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = pg_catalog, arx, pg_temp AS $f$
BEGIN
  LOCK TABLE arx.operator_tenant_access IN EXCLUSIVE MODE;
  DELETE FROM arx.operator_tenant_access;
  INSERT INTO arx.operator_tenant_access (db_role, tenant_id, operator_id)
    SELECT DISTINCT l.db_role, g.tenant_id, g.operator_id FROM arx.role_grants g
      JOIN arx.operator_logins l ON l.operator_id = g.operator_id
      JOIN arx.operators o ON o.id = g.operator_id
     WHERE o.status = 'active';
  RETURN NULL;
END
$f$;

DO $$
DECLARE f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['arx.refresh_operator_tenant_access(uuid)', 'arx.operator_tenant_access_follows()',
                           'arx.operator_tenant_access_rebuild()'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
  END LOOP;
END $$;

CREATE TRIGGER operator_tenant_access AFTER INSERT OR DELETE OR UPDATE OF tenant_id, operator_id ON arx.role_grants
  FOR EACH ROW EXECUTE FUNCTION arx.operator_tenant_access_follows();
CREATE TRIGGER operator_tenant_access AFTER INSERT OR DELETE OR UPDATE OF operator_id, db_role ON arx.operator_logins
  FOR EACH ROW EXECUTE FUNCTION arx.operator_tenant_access_follows();
CREATE TRIGGER operator_tenant_access AFTER DELETE OR UPDATE OF id, status ON arx.operators
  FOR EACH ROW EXECUTE FUNCTION arx.operator_tenant_access_follows();
CREATE TRIGGER operator_tenant_access_truncate AFTER TRUNCATE ON arx.role_grants
  FOR EACH STATEMENT EXECUTE FUNCTION arx.operator_tenant_access_rebuild();
CREATE TRIGGER operator_tenant_access_truncate AFTER TRUNCATE ON arx.operator_logins
  FOR EACH STATEMENT EXECUTE FUNCTION arx.operator_tenant_access_rebuild();

INSERT INTO arx.operator_tenant_access (db_role, tenant_id, operator_id)
  SELECT DISTINCT l.db_role, g.tenant_id, g.operator_id FROM arx.role_grants g
    JOIN arx.operator_logins l ON l.operator_id = g.operator_id
    JOIN arx.operators o ON o.id = g.operator_id
   WHERE o.status = 'active';

CREATE OR REPLACE FUNCTION arx.operator_tenant() RETURNS uuid LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, arx, pg_temp AS $f$
DECLARE t uuid := arx.current_tenant();
BEGIN
  IF t IS NULL THEN RETURN NULL; END IF;
  PERFORM FROM arx.operator_tenant_access a WHERE a.db_role = session_user AND a.tenant_id = t;
  IF FOUND THEN RETURN t; END IF;
  RETURN NULL;
END
$f$;
`;
