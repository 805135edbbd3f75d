import type { Queryable } from './queryable';
import { bin, hex } from './policy-versions';

/** Each operator's policy drafts (arx.policy_drafts), inside a tenant transaction. */

export interface DraftRow {
  baseSha256: string | null;
  text: string;
  schema: string;
  tests: unknown[];
  savedAt: string;
}

export async function draftOf(
  q: Queryable,
  tenantId: string,
  operatorId: string,
  policyName: string,
): Promise<DraftRow | null> {
  const r = await q.query<{
    base_sha256: Buffer | null;
    policy_text: string;
    schema_text: string;
    tests: unknown[];
    saved_at: string;
  }>(
    `SELECT base_sha256, policy_text, schema_text, tests, to_char(saved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS saved_at
     FROM arx.policy_drafts WHERE tenant_id = $1 AND operator_id = $2 AND policy_name = $3`,
    [tenantId, operatorId, policyName],
  );
  const row = r.rows[0];
  return row
    ? {
        baseSha256: hex(row.base_sha256),
        text: row.policy_text,
        schema: row.schema_text,
        tests: row.tests,
        savedAt: row.saved_at,
      }
    : null;
}

/** Saves (or replaces) the operator's draft; returns its save time. */
export async function saveDraftRow(
  q: Queryable,
  d: {
    tenantId: string;
    operatorId: string;
    policyName: string;
    baseSha256: string | null;
    text: string;
    schema: string;
    tests: readonly unknown[];
  },
): Promise<string> {
  const r = await q.query<{ saved_at: string }>(
    `INSERT INTO arx.policy_drafts (tenant_id, operator_id, policy_name, base_sha256, policy_text, schema_text, tests, saved_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, clock_timestamp())
     ON CONFLICT (tenant_id, operator_id, policy_name) DO UPDATE
       SET base_sha256 = EXCLUDED.base_sha256, policy_text = EXCLUDED.policy_text, schema_text = EXCLUDED.schema_text, tests = EXCLUDED.tests, saved_at = EXCLUDED.saved_at
     RETURNING to_char(saved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS saved_at`,
    [
      d.tenantId,
      d.operatorId,
      d.policyName,
      d.baseSha256 ? bin(d.baseSha256) : null,
      d.text,
      d.schema,
      JSON.stringify(d.tests),
    ],
  );
  return r.rows[0]!.saved_at;
}

/** Deletes the operator's draft; whether there was one. */
export async function deleteDraft(q: Queryable, tenantId: string, operatorId: string, policyName: string) {
  const r = await q.query(
    'DELETE FROM arx.policy_drafts WHERE tenant_id = $1 AND operator_id = $2 AND policy_name = $3',
    [tenantId, operatorId, policyName],
  );
  return (r.rowCount ?? 0) > 0;
}
