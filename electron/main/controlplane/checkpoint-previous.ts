import type pg from 'pg';
import { openArxCheckpoint, type NoteVerifier } from '../../../shared/checkpoint';
import { bytesEqual } from '../../../shared/bytes';
import type { MerkleTree } from '../../../shared/merkle';
import type { ChainRefusal } from './checkpoint-sync';
import { checkpointsNewestFirst } from './repos/checkpoints';

export interface PreviousCheckpoint {
  size: number;
  issuedAt: Date;
}

const PAGE_ROWS = 100;

/** Notes whose signature already verified (or that this checkpointer signed): verified once, not per append. */
export class VerifiedNotes {
  private readonly notes = new Map<string, { size: number; root: Uint8Array }>();

  remember(note: string, size: number, root: Uint8Array): void {
    this.notes.set(note, { size, root });
    if (this.notes.size > 64) this.notes.delete(this.notes.keys().next().value!);
  }

  open(note: string, tenantId: string, verifiers: readonly NoteVerifier[]): { size: number; root: Uint8Array } | null {
    const known = this.notes.get(note);
    if (known) return known;
    const opened = openArxCheckpoint(note, verifiers, { tenantId });
    if (!opened.ok) return null;
    const { size, root } = opened.value.checkpoint;
    this.remember(note, size, root);
    return { size, root };
  }
}

interface Judge {
  tenantId: string;
  size: number;
  verifiers: readonly NoteVerifier[];
  tree: MerkleTree;
  notes: VerifiedNotes;
}

/**
 * The checkpoint the next one builds on: the newest row whose note verifies with one of this
 * gateway's keys and states the size and root the row claims. Rows that do not verify (written
 * by anyone without the key) are passed over, so a planted row cannot stop checkpointing. A
 * verified checkpoint that the verified tree no longer reproduces means the history was
 * rewritten: refused.
 */
export async function newestVerifiedCheckpoint(
  client: pg.ClientBase,
  j: Judge,
): Promise<PreviousCheckpoint | { refusal: ChainRefusal } | null> {
  for (let offset = 0; ; offset += PAGE_ROWS) {
    const rows = await checkpointsNewestFirst(client, j.tenantId, PAGE_ROWS, offset);
    for (const row of rows) {
      const found = judge(row, j);
      if (found) return found;
    }
    if (rows.length < PAGE_ROWS) return null;
  }
}

function judge(
  row: { tree_size: string; root: Buffer; note: string; issued_at: Date },
  { tenantId, size, verifiers, tree, notes }: Judge,
): PreviousCheckpoint | { refusal: ChainRefusal } | null {
  const checkpoint = notes.open(row.note, tenantId, verifiers);
  if (!checkpoint) return null;
  if (checkpoint.size !== Number(row.tree_size) || !bytesEqual(checkpoint.root, new Uint8Array(row.root))) return null;
  if (checkpoint.size > size)
    return rewritten(
      checkpoint.size,
      `a checkpoint signed by this gateway covers ${checkpoint.size} events; the chain has ${size}`,
    );
  if (!bytesEqual(tree.root(checkpoint.size), checkpoint.root))
    return rewritten(checkpoint.size, `the chain no longer reproduces the checkpoint of size ${checkpoint.size}`);
  return { size: checkpoint.size, issuedAt: row.issued_at };
}

const rewritten = (size: number, message: string) => ({
  refusal: { code: 'CHECKPOINT_HISTORY_REWRITTEN' as const, size, message },
});
