import type pg from 'pg';
import { seqsWithDifferingDoc } from '../controlplane/repos/events';
import { cancelled, issue, type ChainVerification, type VerificationIssue } from './verification';

/** Differing copies listed at most. */
const MAX_LISTED = 1000;

export interface DocumentsResult {
  documents: ChainVerification['documents'];
  errors: VerificationIssue[];
  warnings: VerificationIssue[];
}

/**
 * The jsonb copies are not evidence, but what the explorer searches: they must say what the bytes
 * say. Compared in PostgreSQL under a savepoint, so a comparison that fails (a copy that does not
 * parse) leaves the read-only transaction usable and is reported as unchecked.
 */
export async function compareDocuments(
  client: pg.PoolClient,
  tenantId: string,
  range: { from: number; to: number | null },
  modifiedSeqs: ReadonlySet<number>,
  signal: AbortSignal | undefined,
): Promise<DocumentsResult> {
  const errors: VerificationIssue[] = [];
  await client.query('SAVEPOINT documents');
  try {
    const differing = await seqsWithDifferingDoc(client, tenantId, range.from, range.to, MAX_LISTED);
    // Where the bytes themselves were modified the copy differs too; that is already said.
    for (const seq of differing) {
      if (!modifiedSeqs.has(seq))
        errors.push(issue('DOC_MISMATCH', 'the jsonb copy of the event differs from its stored bytes', { seq }));
    }
    await client.query('RELEASE SAVEPOINT documents');
    return { documents: 'checked', errors, warnings: [] };
  } catch (err) {
    if (signal?.aborted) throw cancelled();
    await client.query('ROLLBACK TO SAVEPOINT documents');
    const warning = issue(
      'DOC_UNCHECKED',
      `the jsonb copies could not be compared: ${(err as Error).message.slice(0, 200)}`,
      { seq: range.from },
    );
    return { documents: 'unchecked', errors, warnings: [warning] };
  }
}
