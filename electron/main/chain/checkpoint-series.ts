import { toHex } from '../../../shared/bytes';
import type { ChainCheckpoint } from '../../../shared/chain';
import { verifyCheckpointSeries, type CheckpointKey } from '../../../shared/checkpoint';
import { checkpointsBySize, gatewayKeysOf, type CheckpointRow } from '../controlplane/repos/checkpoints';
import type { Queryable } from '../controlplane/repos/queryable';
import { nodeEd25519Verifier } from './node-crypto';
import { issue, type VerificationIssue } from './verification';

/** A checkpoint whose signature, key window and tenant verified: only these anchor the chain. */
export type VerifiedCheckpoint = ChainCheckpoint & { proof: Uint8Array[]; time: string; keyName: string; note: string };

export interface CheckpointSeriesResult {
  /** Stored checkpoints, verified or not. */
  total: number;
  /** By size. */
  verified: VerifiedCheckpoint[];
  issues: VerificationIssue[];
}

/** The tenant's registered gateway keys; an unusable one verifies nothing (its checkpoints show as KEY_UNKNOWN). */
async function registeredKeys(q: Queryable, tenantId: string): Promise<CheckpointKey[]> {
  const keys: CheckpointKey[] = [];
  for (const k of await gatewayKeysOf(q, tenantId)) {
    try {
      keys.push({
        verifier: nodeEd25519Verifier(k.keyName, new Uint8Array(k.publicKey)),
        validFrom: k.validFrom,
        validTo: k.validTo,
      });
    } catch {
      // not usable: left out
    }
  }
  return keys;
}

/**
 * Every stored checkpoint's signature against the registered gateway keys and their windows, each
 * row against its signed note, and the consistency between consecutive checkpoints (each row
 * carries the proof from the stored checkpoint before it).
 */
export async function checkCheckpointSeries(q: Queryable, tenantId: string): Promise<CheckpointSeriesResult> {
  const keys = await registeredKeys(q, tenantId);
  const rows = await checkpointsBySize(q, tenantId);
  const series = verifyCheckpointSeries(
    rows.map((row) => ({ note: row.note, proof: row.consistency_proof.map((p) => new Uint8Array(p)) })),
    keys,
    { tenantId },
  );
  const issues: VerificationIssue[] = [];
  const verified: VerifiedCheckpoint[] = [];
  for (const [i, outcome] of series.notes.entries()) {
    const row = rows[i]!;
    const problem = noteIssue(row, outcome);
    if (problem) issues.push(problem);
    if (!outcome.ok) continue;
    const cp = outcome.checkpoint;
    verified.push({
      size: cp.size,
      root: cp.root,
      head: cp.head,
      proof: row.consistency_proof.map((p) => new Uint8Array(p)),
      time: cp.time,
      keyName: outcome.signer,
      note: row.note,
    });
  }
  for (const link of series.links) {
    if (link.ok) continue;
    const a = series.notes[link.from]!;
    const b = series.notes[link.to]!;
    if (a.ok && b.ok) issues.push(linkIssue(a.checkpoint, b.checkpoint, link));
  }
  verified.sort((a, b) => a.size - b.size);
  return { total: rows.length, verified, issues };
}

type Outcome = ReturnType<typeof verifyCheckpointSeries>['notes'][number];
type Link = ReturnType<typeof verifyCheckpointSeries>['links'][number];

/** The finding for one stored checkpoint, or null when it verified and its row says what its note says. */
function noteIssue(row: CheckpointRow, outcome: Outcome): VerificationIssue | null {
  const size = Number(row.tree_size);
  const at = { seq: Math.max(0, size - 1), treeSize: size, issuedAt: row.issued_at.toISOString() };
  if (outcome.ok) {
    const cp = outcome.checkpoint;
    if (cp.size === size && toHex(cp.root) === toHex(new Uint8Array(row.root))) return null;
    return issue(
      'CHECKPOINT_ROW_MISMATCH',
      `the checkpoint row says size ${size}, but its signed note says size ${cp.size}`,
      {
        ...at,
        expected: `${cp.size}:${toHex(cp.root)}`,
        found: `${size}:${toHex(new Uint8Array(row.root))}`,
      },
    );
  }
  switch (outcome.problem) {
    case 'CHECKPOINT_KEY_UNKNOWN':
      return issue(
        'CHECKPOINT_KEY_UNKNOWN',
        `the checkpoint of size ${size} is not signed by any registered gateway key`,
        {
          ...at,
          found: row.key_name,
        },
      );
    case 'CHECKPOINT_SIGNATURE_INVALID':
      return issue(
        'CHECKPOINT_SIGNATURE_INVALID',
        `the signature on the checkpoint of size ${size} does not verify: it was altered or replaced`,
        { ...at, found: row.key_name },
      );
    case 'CHECKPOINT_MALFORMED':
      return issue('CHECKPOINT_MALFORMED', `the checkpoint of size ${size} is malformed: ${outcome.error.message}`, {
        ...at,
        reason: outcome.error.code,
      });
    case 'CHECKPOINT_KEY_OUTSIDE_WINDOW': {
      const { checkpoint: cp, signer, window: w } = outcome;
      return issue(
        'CHECKPOINT_KEY_OUTSIDE_WINDOW',
        `the checkpoint of size ${cp.size} was signed at ${cp.time}, outside the validity of key ${signer}`,
        {
          ...at,
          key: signer,
          expected: w ? `${w.from.toISOString()} .. ${w.to ? w.to.toISOString() : 'open'}` : 'no window',
          found: cp.time,
        },
      );
    }
  }
}

function linkIssue(a: ChainCheckpoint, b: ChainCheckpoint, link: Link & { ok: false }): VerificationIssue {
  if (link.reason === 'fork')
    return issue(
      'CHECKPOINT_CONSISTENCY_INVALID',
      `two signed checkpoints of size ${a.size} disagree on the root: the log forked`,
      {
        seq: a.size - 1,
        treeSize: b.size,
      },
    );
  const why = link.error ? link.error.message : `its size is smaller than ${a.size}`;
  return issue(
    'CHECKPOINT_CONSISTENCY_INVALID',
    `the checkpoint of size ${b.size} is not an extension of the one of size ${a.size}: ${why}`,
    { seq: b.size - 1, treeSize: b.size, from: a.size },
  );
}
