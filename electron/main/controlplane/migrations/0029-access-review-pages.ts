/**
 * 0029: the access review a page at a time. arx.admin_grants (0017) returns every grant with its
 * envelopes, which at ten thousand operators in twenty tenants is 200,000 rows and tens of
 * megabytes per look. These definer functions (owner arx_owner, administrators only) filter,
 * count and page in the database, and mark in SQL each grant that lacks a signature it needs
 * (`unsigned`: the console would find its grant or approval check 'missing'), so that a grant a
 * superuser inserted without one is found among all of them without verifying every signature.
 * Two stored generated columns and a covering index let filters, counts and the order be read
 * from the index alone, without the envelopes (most of each row's size).
 * Whether a signature that is present verifies is the console's to check (the database cannot
 * check ECDSA); the console passes the keys of grants its full verification found invalid
 * (`flagged`, 'tenant/operator/role') so the problems filter shows those too. Called with the
 * system tenant set, like arx.admin_grants: bootstrap grants are read from its chain.
 */
export const sql = `
ALTER TABLE arx.role_grants
  ADD COLUMN lacks_signature boolean NOT NULL GENERATED ALWAYS AS (
    CASE WHEN granted_by IS NULL OR grant_envelope IS NULL OR jsonb_typeof(grant_envelope) = 'null' THEN true
         WHEN role IN ('isso', 'administrator')
           THEN approved_by IS NULL OR approval_envelope IS NULL OR jsonb_typeof(approval_envelope) = 'null'
         ELSE false END) STORED,
  ADD COLUMN bootstrap_shaped boolean NOT NULL GENERATED ALWAYS AS (
    granted_by IS NULL AND (grant_envelope IS NULL OR jsonb_typeof(grant_envelope) = 'null')) STORED;
CREATE INDEX role_grants_review ON arx.role_grants (tenant_id, operator_id, role)
  INCLUDE (granted_at, granted_by, approved_by, lacks_signature, bootstrap_shaped);
CREATE INDEX role_grants_lacking ON arx.role_grants (tenant_id, operator_id, role) WHERE lacks_signature;

-- The grants a filter matches, without envelopes. Not a definer and run by none but the definers
-- below (whose search_path is fixed), so that its body is inlined into their queries.
CREATE FUNCTION arx.review_rows(q text, problems_only boolean, flagged text[], expiring_before timestamptz)
RETURNS TABLE (
  tenant_id uuid, slug text, operator_id uuid, edipi text, display_name text, status text, role text,
  granted_at timestamptz, granted_by uuid, approved_by uuid, bootstrap_recorded boolean, unsigned boolean
) LANGUAGE sql STABLE AS $f$
  SELECT g.tenant_id, t.slug, g.operator_id, o.edipi::text, o.display_name, o.status, g.role, g.granted_at,
         g.granted_by, g.approved_by, b.recorded, g.lacks_signature AND NOT b.recorded
    FROM arx.role_grants g JOIN arx.operators o ON o.id = g.operator_id JOIN arx.tenants t ON t.id = g.tenant_id
   CROSS JOIN LATERAL (SELECT g.bootstrap_shaped AND g.tenant_id = (SELECT arx.system_tenant()) AND EXISTS (
            SELECT 1 FROM arx.audit_events e
             WHERE e.tenant_id = (SELECT arx.system_tenant()) AND e.type = 'com.arx.role.granted'
               AND e.doc->'data'->'by' = 'null'::jsonb AND e.doc->'data'->>'operatorId' = g.operator_id::text
               AND e.doc->'data'->>'role' = g.role) AS recorded) b
   WHERE (coalesce(q, '') = ''
          OR g.tenant_id IN (SELECT x.id FROM arx.tenants x WHERE strpos(x.slug, lower(q)) > 0)
          OR g.operator_id IN (SELECT x.id FROM arx.operators x
                                WHERE strpos(x.edipi::text, q) > 0 OR strpos(lower(x.display_name), lower(q)) > 0
                                   OR strpos(x.status, lower(q)) > 0)
          OR strpos(g.role, lower(q)) > 0)
     AND (NOT problems_only OR (g.lacks_signature AND NOT b.recorded)
          OR (g.tenant_id, g.operator_id, g.role) IN (
               SELECT split_part(k, '/', 1)::uuid, split_part(k, '/', 2)::uuid, split_part(k, '/', 3)
                 FROM unnest(coalesce(flagged, '{}'::text[])) AS k))
     AND (expiring_before IS NULL
          OR g.operator_id IN (SELECT c.operator_id FROM arx.operator_certificates c WHERE c.retired_at IS NULL
                                GROUP BY c.operator_id HAVING min(c.not_after) <= expiring_before))
$f$;

CREATE FUNCTION arx.admin_review_counts(
  q text, problems_only boolean, flagged text[], expiring_before timestamptz, warn_before timestamptz
) RETURNS TABLE (total bigint, matching bigint, unsigned bigint, expiring bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
DECLARE
  n_total bigint;
  n_matching bigint;
BEGIN
  PERFORM arx.acting_administrator();
  SELECT count(*) INTO n_total FROM arx.role_grants;
  IF coalesce(q, '') = '' AND NOT problems_only AND expiring_before IS NULL THEN
    n_matching := n_total;
  ELSE
    SELECT count(*) INTO n_matching FROM arx.review_rows(q, problems_only, flagged, expiring_before);
  END IF;
  -- Expiring: over role_grants alone (its foreign keys make the joins of review_rows change no count).
  RETURN QUERY SELECT n_total, n_matching,
    (SELECT count(*) FROM arx.review_rows('', true, '{}', NULL)),
    (SELECT count(*) FROM arx.role_grants g
      WHERE g.operator_id IN (SELECT c.operator_id FROM arx.operator_certificates c WHERE c.retired_at IS NULL
                               GROUP BY c.operator_id HAVING min(c.not_after) <= warn_before));
END
$f$;

CREATE FUNCTION arx.admin_review_page(
  q text, problems_only boolean, flagged text[], expiring_before timestamptz, lim integer, off integer
) RETURNS TABLE (
  tenant_id uuid, slug text, operator_id uuid, edipi text, display_name text, status text, role text,
  granted_at timestamptz, granted_by uuid, approved_by uuid, grant_envelope jsonb, approval_envelope jsonb,
  bootstrap_recorded boolean, unsigned boolean, certificates_expire timestamptz
) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN QUERY
    SELECT f.tenant_id, f.slug, f.operator_id, f.edipi, f.display_name, f.status, f.role, f.granted_at,
           f.granted_by, f.approved_by, g.grant_envelope, g.approval_envelope, f.bootstrap_recorded, f.unsigned,
           (SELECT min(c.not_after) FROM arx.operator_certificates c
             WHERE c.operator_id = f.operator_id AND c.retired_at IS NULL)
      FROM (SELECT * FROM arx.review_rows(q, problems_only, flagged, expiring_before) a
             ORDER BY a.slug, a.edipi, a.role LIMIT least(greatest(lim, 1), 1000) OFFSET greatest(off, 0)) f
      JOIN arx.role_grants g ON (g.tenant_id, g.operator_id, g.role) = (f.tenant_id, f.operator_id, f.role)
     ORDER BY f.slug, f.edipi, f.role;
END
$f$;

-- One tenant's grants after (edipi, role), in the review's order: the full verification and the
-- CSV export walk every grant in batches of this.
CREATE FUNCTION arx.admin_review_batch(tenant uuid, after_edipi text, after_role text, lim integer)
RETURNS TABLE (
  tenant_id uuid, slug text, operator_id uuid, edipi text, display_name text, status text, role text,
  granted_at timestamptz, granted_by uuid, approved_by uuid, grant_envelope jsonb, approval_envelope jsonb,
  bootstrap_recorded boolean, unsigned boolean, certificates_expire timestamptz
) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN QUERY
    SELECT f.tenant_id, f.slug, f.operator_id, f.edipi, f.display_name, f.status, f.role, f.granted_at,
           f.granted_by, f.approved_by, g.grant_envelope, g.approval_envelope, f.bootstrap_recorded, f.unsigned,
           (SELECT min(c.not_after) FROM arx.operator_certificates c
             WHERE c.operator_id = f.operator_id AND c.retired_at IS NULL)
      FROM (SELECT * FROM arx.review_rows('', false, '{}', NULL) a
             WHERE a.tenant_id = tenant AND (after_edipi IS NULL OR (a.edipi, a.role) > (after_edipi, after_role))
             ORDER BY a.edipi, a.role LIMIT least(greatest(lim, 1), 10000)) f
      JOIN arx.role_grants g ON (g.tenant_id, g.operator_id, g.role) = (f.tenant_id, f.operator_id, f.role)
     ORDER BY f.edipi, f.role;
END
$f$;

-- The certificates that signed what is on a page (by SHA-256), retired ones included.
CREATE FUNCTION arx.admin_certificates_by_sha(shas bytea[]) RETURNS TABLE (
  sha256 bytea, operator_id uuid, usage text, der bytea, not_after timestamptz, retired_at timestamptz
) LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, arx AS $f$
BEGIN
  PERFORM arx.acting_administrator();
  RETURN QUERY SELECT c.sha256, c.operator_id, c.usage, c.der, c.not_after, c.retired_at
                 FROM arx.operator_certificates c WHERE c.sha256 = ANY (shas);
END
$f$;

DO $$
DECLARE f text;
BEGIN
  ALTER FUNCTION arx.review_rows(text, boolean, text[], timestamptz) OWNER TO arx_owner;
  REVOKE ALL ON FUNCTION arx.review_rows(text, boolean, text[], timestamptz) FROM PUBLIC;
  FOREACH f IN ARRAY ARRAY['arx.admin_review_counts(text, boolean, text[], timestamptz, timestamptz)',
                           'arx.admin_review_page(text, boolean, text[], timestamptz, integer, integer)',
                           'arx.admin_review_batch(uuid, text, text, integer)',
                           'arx.admin_certificates_by_sha(bytea[])'] LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO arx_owner', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO arx_operator', f);
  END LOOP;
END $$;
`;
