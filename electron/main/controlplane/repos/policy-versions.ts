import type { Queryable } from './queryable';

/** Policy versions (arx.policy_versions). Called inside a tenant transaction. */

export interface PolicyVersionText {
  policy_id: string;
  sha256: Buffer;
  blake3: Buffer;
  policy_text: string;
  schema_text: string;
  tests: unknown[];
}

/** Every version's digests and the texts they are computed over, oldest first. */
export async function policyVersionTexts(q: Queryable, tenantId: string): Promise<PolicyVersionText[]> {
  const r = await q.query<PolicyVersionText>(
    'SELECT policy_id, sha256, blake3, policy_text, schema_text, tests FROM arx.policy_versions WHERE tenant_id = $1 ORDER BY created_at, sha256',
    [tenantId],
  );
  return r.rows;
}
