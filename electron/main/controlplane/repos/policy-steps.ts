import { callDefiner, definerFailure } from './definer-errors';
import { bin } from './policy-versions';
import type { Queryable } from './queryable';

/**
 * The policy lifecycle's changes, each one call of its definer function (migration 0011): the
 * operator is the connection's login role; `event` is the step's audit event as prepared rows
 * (controlplane/step-events.ts). Inside a tenant transaction.
 */

const binOrNull = (h: string | null) => (h ? bin(h) : null);
const json = (v: unknown) => JSON.stringify(v);

/** Saves (or replaces) the connected operator's draft; returns its save time (microseconds, UTC). */
export async function saveDraft(
  q: Queryable,
  d: {
    tenantId: string;
    policyName: string;
    baseSha256: string | null;
    text: string;
    schema: string;
    tests: readonly unknown[];
  },
): Promise<string> {
  try {
    const r = await q.query<{ saved_at: string }>(
      `SELECT to_char(arx.save_draft($1, $2, $3, $4, $5, $6) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS saved_at`,
      [d.tenantId, d.policyName, binOrNull(d.baseSha256), d.text, d.schema, json(d.tests)],
    );
    return r.rows[0]!.saved_at;
  } catch (err) {
    throw definerFailure(err, { AX404: 'POLICY_VERSION_UNKNOWN' });
  }
}

/** Deletes the connected operator's draft; whether there was one. */
export async function discardDraft(q: Queryable, tenantId: string, policyName: string): Promise<boolean> {
  const r = await callDefiner<{ result: boolean }>(q, 'discard_draft', [tenantId, policyName]);
  return r!.result;
}

export interface SignedRow {
  certificateSha256: string;
  envelope: unknown;
}

export async function submitVersion(
  q: Queryable,
  v: {
    tenantId: string;
    policyId: string;
    policyName: string;
    sha256: string;
    blake3: string;
    parentSha256: string | null;
    text: string;
    schema: string;
    tests: readonly unknown[];
  },
  signed: SignedRow,
  event: unknown[],
): Promise<void> {
  await callDefiner(q, 'submit_version', [
    v.tenantId,
    v.policyId,
    v.policyName,
    bin(v.sha256),
    bin(v.blake3),
    binOrNull(v.parentSha256),
    v.text,
    v.schema,
    json(v.tests),
    bin(signed.certificateSha256),
    json(signed.envelope),
    ...event,
  ]);
}

export async function approveVersion(
  q: Queryable,
  tenantId: string,
  sha256: string,
  signed: SignedRow,
  event: unknown[],
): Promise<void> {
  await callDefiner(
    q,
    'approve_version',
    [tenantId, bin(sha256), bin(signed.certificateSha256), json(signed.envelope), ...event],
    { AX404: 'POLICY_VERSION_UNKNOWN' },
  );
}

export async function rejectVersion(q: Queryable, tenantId: string, sha256: string, event: unknown[]): Promise<void> {
  await callDefiner(q, 'reject_version', [tenantId, bin(sha256), ...event], { AX404: 'POLICY_VERSION_UNKNOWN' });
}

export async function publishVersion(
  q: Queryable,
  p: { tenantId: string; sha256: string; previousSha256: string | null; sequence: number },
  signed: SignedRow,
  event: unknown[],
): Promise<void> {
  await callDefiner(
    q,
    'publish_version',
    [
      p.tenantId,
      bin(p.sha256),
      binOrNull(p.previousSha256),
      p.sequence,
      bin(signed.certificateSha256),
      json(signed.envelope),
      ...event,
    ],
    { AX404: 'POLICY_VERSION_UNKNOWN' },
  );
}

export async function requestRollback(
  q: Queryable,
  r: { tenantId: string; rollbackId: string; toSha256: string; previousSha256: string | null; sequence: number },
  signed: SignedRow,
  event: unknown[],
): Promise<void> {
  await callDefiner(
    q,
    'request_rollback',
    [
      r.tenantId,
      r.rollbackId,
      bin(r.toSha256),
      binOrNull(r.previousSha256),
      r.sequence,
      bin(signed.certificateSha256),
      json(signed.envelope),
      ...event,
    ],
    { AX404: 'POLICY_VERSION_UNKNOWN' },
  );
}

export async function approveRollback(
  q: Queryable,
  tenantId: string,
  rollbackId: string,
  signed: SignedRow,
  event: unknown[],
): Promise<void> {
  await callDefiner(q, 'approve_rollback', [
    tenantId,
    rollbackId,
    bin(signed.certificateSha256),
    json(signed.envelope),
    ...event,
  ]);
}
