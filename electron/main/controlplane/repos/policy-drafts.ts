import type { Queryable } from './queryable';
import { hex } from './policy-versions';

/** Each operator's policy drafts (arx.policy_drafts), inside a tenant transaction; changes go through policy-steps.ts. */

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
