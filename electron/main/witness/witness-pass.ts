/**
 * One witnessing pass over one tenant (docs/chain-format.md §9.4): the console, as a witness of
 * the tenant's log, takes its last cosigned head (the larger of its own local record and the
 * control plane's), refuses a log that signed a smaller tree since, then walks every stored
 * checkpoint from that size up, in order, and cosigns each one that shared/witness's
 * `addCheckpoint` accepts. A refusal that is evidence against the log stops the pass: the caller
 * records it and raises the alarm.
 */
import type pg from 'pg';
import { bytesEqual } from '../../../shared/bytes';
import { arxOrigin, ed25519Verifier, type NoteVerifier } from '../../../shared/checkpoint';
import { MerkleTree } from '../../../shared/merkle';
import {
  addCheckpoint,
  type Cosigner,
  type CosignedHead,
  type WitnessError,
  type WitnessErrorCode,
} from '../../../shared/witness';
import { gatewayKeysOf } from '../controlplane/repos/checkpoints';
import { chainHashPage } from '../controlplane/repos/events';
import {
  checkpointIssuedAt,
  checkpointsToWitness,
  latestCosignedBy,
  recordCosignature,
  smallerCheckpointsSince,
  type WitnessCheckpointRow,
} from '../controlplane/repos/witnesses';
import { withTenant } from '../controlplane/tenant-session';

/** Refusals that prove the log signed something that does not extend what this witness cosigned. */
export const EVIDENCE_CODES = [
  'WITNESS_FORK_DETECTED',
  'WITNESS_ROLLBACK_REFUSED',
  'WITNESS_PROOF_INVALID',
  'WITNESS_EMPTY_TREE_ROOT',
  'WITNESS_STATE_ROLLED_BACK',
] as const satisfies readonly WitnessErrorCode[];
export type EvidenceCode = (typeof EVIDENCE_CODES)[number];
const isEvidence = (c: WitnessErrorCode): c is EvidenceCode => (EVIDENCE_CODES as readonly string[]).includes(c);

/** Where a witness keeps its own copy of its last cosigned head (the console's encrypted cache). */
export interface WitnessHeadStore {
  get(tenantId: string, witness: string): CosignedHead | undefined;
  put(tenantId: string, witness: string, head: CosignedHead): void;
}

export interface PassContext {
  pool: pg.Pool;
  tenantId: string;
  cosigner: Cosigner;
  heads: WitnessHeadStore;
  now: () => number;
  /** Rows per page read from the control plane. */
  pageRows?: number;
}

/** What the log offered that the witness refused, with both notes as evidence. */
export interface Refusal {
  code: EvidenceCode;
  message: string;
  offered: { size: number; root: Uint8Array; note: string } | null;
  cosigned: CosignedHead;
}

export interface PassResult {
  head: CosignedHead | undefined;
  latestSize: number | null;
  cosigned: number;
  unverified: number;
  refusal: Refusal | null;
}

const PAGE_ROWS = 256;

/** Catches the witness up on one tenant, cosigning as it goes; stops at the first evidence of a fork. */
export async function witnessPass(ctx: PassContext): Promise<PassResult> {
  const { pool, tenantId, cosigner } = ctx;
  const keys = await withTenant(pool, tenantId, (c) => gatewayKeysOf(c, tenantId));
  const verifiers: NoteVerifier[] = keys.map((k) => ed25519Verifier(k.keyName, new Uint8Array(k.publicKey)));
  const logs = [{ origin: arxOrigin(tenantId), keys: verifiers }];
  let head = await startingHead(ctx);
  const out: PassResult = { head, latestSize: null, cosigned: 0, unverified: 0, refusal: null };
  if (head) {
    const rolledBack = await rollbackSince(ctx, head, logs);
    if (rolledBack) return { ...out, refusal: rolledBack };
  }
  const proofs = new ProofSource(pool, tenantId);
  let after: { size: number; issuedKey: string } | null = null;
  for (;;) {
    const from = head?.size ?? 0;
    const rows = await withTenant(pool, tenantId, (c) =>
      checkpointsToWitness(c, tenantId, from, after, ctx.pageRows ?? PAGE_ROWS),
    );
    for (const row of rows) {
      out.latestSize = Math.max(out.latestSize ?? 0, row.size);
      if (head && row.size === head.size && bytesEqual(row.root, head.root)) continue;
      const decided = await decide(row, head, logs, cosigner, ctx.now(), proofs);
      if (!decided.ok) {
        if (isEvidence(decided.error.code) && head)
          return { ...out, head, refusal: refusalOf(decided.error, row, head) };
        out.unverified++;
        continue;
      }
      await withTenant(pool, tenantId, (c) =>
        recordCosignature(c, tenantId, { treeSize: row.size, root: row.root, line: decided.value.cosignature }),
      );
      head = decided.value.head;
      ctx.heads.put(tenantId, cosigner.name, head);
      out.cosigned++;
    }
    if (rows.length < (ctx.pageRows ?? PAGE_ROWS)) break;
    const last = rows[rows.length - 1]!;
    after = { size: last.size, issuedKey: last.issuedKey };
  }
  return { ...out, head };
}

type Logs = Parameters<typeof addCheckpoint>[1]['logs'];

/** addCheckpoint with the stored proof, and, if that proof is not from our size, one computed from the chain. */
async function decide(
  row: WitnessCheckpointRow,
  head: CosignedHead | undefined,
  logs: Logs,
  cosigner: Cosigner,
  now: number,
  proofs: ProofSource,
) {
  const ctx = { logs, latest: () => head, cosigner, now };
  const oldSize = head?.size ?? 0;
  const stored = oldSize === 0 ? [] : row.proof;
  const first = addCheckpoint({ oldSize, proof: stored, checkpoint: row.note }, ctx);
  if (first.ok || first.error.code !== 'WITNESS_PROOF_INVALID' || oldSize === 0 || row.size <= oldSize) return first;
  const computed = await proofs.between(oldSize, row.size);
  if (!computed) return first;
  return addCheckpoint({ oldSize, proof: computed, checkpoint: row.note }, ctx);
}

/**
 * The head to extend: the larger of the witness's local record and the control plane's newest
 * cosignature by this witness. The local copy is what a restore of the control plane cannot take back.
 */
async function startingHead(ctx: PassContext): Promise<CosignedHead | undefined> {
  const { pool, tenantId, cosigner } = ctx;
  const local = ctx.heads.get(tenantId, cosigner.name);
  const remote = await withTenant(pool, tenantId, (c) => latestCosignedBy(c, tenantId, cosigner.name));
  if (local && (!remote || remote.treeSize <= local.size)) return local;
  if (!remote) return undefined;
  const stored = await withTenant(pool, tenantId, (c) => checkpointIssuedAt(c, tenantId, remote.treeSize, remote.root));
  return {
    origin: arxOrigin(tenantId),
    size: remote.treeSize,
    root: remote.root,
    note: stored?.note ?? '',
    cosignedAt: 0,
  };
}

/**
 * A log restored to an earlier state signs a smaller tree after the one this witness cosigned, or
 * no longer holds the checkpoint (or the cosignature) at all: either is refused as a rollback.
 */
async function rollbackSince(ctx: PassContext, head: CosignedHead, logs: Logs): Promise<Refusal | null> {
  const { pool, tenantId, cosigner } = ctx;
  const stored = await withTenant(pool, tenantId, (c) => checkpointIssuedAt(c, tenantId, head.size, head.root));
  const remote = await withTenant(pool, tenantId, (c) => latestCosignedBy(c, tenantId, cosigner.name));
  if (!stored || !remote || remote.treeSize < head.size) {
    const what = !stored ? 'the checkpoint' : 'its cosignature of';
    return {
      code: 'WITNESS_ROLLBACK_REFUSED',
      message: `the control plane no longer holds ${what} size ${head.size} this witness cosigned: it was restored to an earlier state`,
      offered: null,
      cosigned: head,
    };
  }
  const smaller = await withTenant(pool, tenantId, (c) =>
    smallerCheckpointsSince(c, tenantId, head.size, stored.issuedAt, PAGE_ROWS),
  );
  for (const row of smaller) {
    const r = addCheckpoint(
      { oldSize: head.size, proof: [], checkpoint: row.note },
      { logs, latest: () => head, cosigner, now: ctx.now() },
    );
    if (!r.ok && r.error.code === 'WITNESS_ROLLBACK_REFUSED') return refusalOf(r.error, row, head);
  }
  return null;
}

function refusalOf(e: WitnessError, row: WitnessCheckpointRow, head: CosignedHead): Refusal {
  return {
    code: e.code as EvidenceCode,
    message: e.message,
    offered: { size: row.size, root: row.root, note: row.note },
    cosigned: head,
  };
}

/** Consistency proofs computed from the stored chain hashes (untrusted: addCheckpoint checks them). */
class ProofSource {
  private tree = new MerkleTree();
  private broken = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly tenantId: string,
  ) {}

  async between(from: number, to: number): Promise<Uint8Array[] | null> {
    if (this.broken) return null;
    while (this.tree.size < to) {
      const page = await withTenant(this.pool, this.tenantId, (c) =>
        chainHashPage(c, this.tenantId, this.tree.size - 1, to - 1, 10_000),
      );
      if (page.length === 0 || page[0]!.seq !== this.tree.size) {
        this.broken = true;
        return null;
      }
      for (const r of page) this.tree.append(new Uint8Array(r.chainHash));
    }
    return this.tree.consistencyProof(from, to);
  }
}
