import type pg from 'pg';
import { bytesEqual } from '../../../shared/bytes';
import { genesisHash, nobleBlake3, type Blake3 } from '../../../shared/chain';
import {
  ed25519Verifier,
  formatArxCheckpoint,
  signNote,
  type NoteSigner,
  type NoteVerifier,
} from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';
import { eventTime } from '../../../shared/events';
import { MerkleTree } from '../../../shared/merkle';
import type { AfterAppend } from './chain-writer';
import { gatewayKeyNamed, insertCheckpoint } from './repos/checkpoints';
import { chainSize, lockChain } from './repos/events';
import { withTenant } from './tenant-session';
import { VerifiedChainReader, type ChainRefusal } from './checkpoint-sync';
import { writerRefusal } from './checkpoint-writers';
import { newestVerifiedCheckpoint, VerifiedNotes, type PreviousCheckpoint } from './checkpoint-previous';

export interface CheckpointPolicy {
  /** Issue a checkpoint whenever the chain crosses a multiple of this many events. */
  everyEvents: number;
  /** …and whenever this long has passed since the last one, also when nothing happened. */
  everyMs: number;
}

export type { ChainRefusal } from './checkpoint-sync';

export interface IssuedCheckpoint {
  size: number;
  root: Uint8Array;
  note: string;
  time: string;
}

/**
 * Issues the signed tree heads of one tenant's chain (DESIGN.md, "Checkpoints"): an RFC 9162
 * Merkle tree over the chain hashes h_0 … h_{size-1}, as a C2SP signed note in the ARX profile
 * (arx-time, arx-head), with the RFC 9162 §2.1.4 consistency proof from the previous checkpoint.
 *
 * It runs inside the chain writer's transaction (as its afterAppend hook), so a checkpoint and
 * the events it covers commit together, under the same per-tenant lock. It keeps the tree in
 * memory and catches up from the database when another writer appended in between.
 *
 * It trusts no row it did not write itself: rows are recomputed from their stored bytes before
 * they enter the tree (a mismatch refuses the checkpoint), the writers of the rows it would newly
 * cover are judged (checkpoint-writers.ts: a refusal signs nothing), and the previous checkpoint
 * is the newest one whose signature verifies with this gateway's keys and whose root this tree
 * reproduces, never merely the newest row.
 */
export class Checkpointer {
  private readonly chain: VerifiedChainReader;
  private readonly verifiers: NoteVerifier[];
  private issued: IssuedCheckpoint[] = [];
  private refusals: ChainRefusal[] = [];
  private readonly notes = new VerifiedNotes();

  /**
   * `verifiers` are the keys whose earlier checkpoints this one builds on (after a key rotation,
   * the previous keys too); by default the signer's own key when it exposes its public half.
   */
  constructor(
    readonly tenantId: string,
    private readonly signer: NoteSigner & { publicKey?: Uint8Array },
    private readonly policy: CheckpointPolicy,
    private readonly now: () => Date = () => new Date(),
    blake3: Blake3 = nobleBlake3,
    verifiers?: NoteVerifier[],
  ) {
    this.chain = new VerifiedChainReader(tenantId, blake3, genesisHash(blake3, tenantId));
    this.verifiers = verifiers ?? (signer.publicKey ? [ed25519Verifier(signer.name, signer.publicKey)] : []);
    if (this.verifiers.length === 0) throw new RangeError('checkpointer: no key to verify its earlier checkpoints');
  }

  private get tree(): MerkleTree {
    return this.chain.tree;
  }

  /** Checkpoints issued since the last call, for the caller to record as com.arx.checkpoint.issued events. */
  drainIssued(): IssuedCheckpoint[] {
    const out = this.issued;
    this.issued = [];
    return out;
  }

  /** Checkpoints refused since the last call: rows that do not recompute, or a history that was rewritten. */
  drainRefusals(): ChainRefusal[] {
    const out = this.refusals;
    this.refusals = [];
    return out;
  }

  /**
   * After the writer's own rows: a refusal leaves the append standing (the events are recorded and
   * verification reports the bad rows) but signs nothing over them.
   */
  readonly afterAppend: AfterAppend = async (client, { size, head, hashes }) => {
    const refused = await this.chain.sync(client, size - hashes.length);
    if (refused) return void this.refusals.push(refused);
    this.chain.appendOwn(hashes);
    const last = await this.previous(client, size);
    if (last && 'refusal' in last) return void this.refusals.push(last.refusal);
    const crossed =
      Math.floor(size / this.policy.everyEvents) > Math.floor((last?.size ?? 0) / this.policy.everyEvents);
    const stale = !last || this.now().getTime() - last.issuedAt.getTime() >= this.policy.everyMs;
    if (!crossed && !stale) return;
    const unauthenticated = await writerRefusal(client, this.tenantId, last?.size ?? 0, size);
    if (unauthenticated) return void this.refusals.push(unauthenticated);
    const time = this.now();
    const keyRefused = await this.keyRefusal(client, time);
    if (keyRefused) return void this.refusals.push(keyRefused);
    await this.issue(client, size, head, last, time);
  };

  /**
   * The timer side: issues a checkpoint when `everyMs` has passed, even if no event arrived, so
   * that silence is provable. Takes the same lock as the writer.
   */
  async tick(pool: pg.Pool): Promise<IssuedCheckpoint | null> {
    try {
      return await withTenant(pool, this.tenantId, async (client) => {
        await lockChain(client, this.tenantId);
        const size = await chainSize(client, this.tenantId);
        const refused = await this.chain.sync(client, size);
        if (refused) throw this.refuse(refused);
        const last = await this.previous(client, size);
        if (last && 'refusal' in last) throw this.refuse(last.refusal);
        if (last && this.now().getTime() - last.issuedAt.getTime() < this.policy.everyMs) return null;
        const unauthenticated = await writerRefusal(client, this.tenantId, last?.size ?? 0, size);
        if (unauthenticated) throw this.refuse(unauthenticated);
        const time = this.now();
        const keyRefused = await this.keyRefusal(client, time);
        if (keyRefused) throw this.refuse(keyRefused);
        return this.issue(client, size, this.chain.head, last, time);
      });
    } catch (err) {
      // A refusal keeps the verified prefix; anything else may have left leaves that did not commit.
      if (!(err instanceof ArxFailure)) this.chain.reset();
      throw err;
    }
  }

  private refuse(r: ChainRefusal): ArxFailure {
    this.refusals.push(r);
    return new ArxFailure('CHECKPOINT_REFUSED', `No checkpoint signed: ${r.message}`, { ...r });
  }

  private previous(client: pg.ClientBase, size: number) {
    const { tenantId, verifiers, tree, notes } = this;
    return newestVerifiedCheckpoint(client, { tenantId, size, verifiers, tree, notes });
  }

  /**
   * The signing key as the control plane registers it (docs/deployment.md, "Gateway keys"): it must
   * be the tenant's key of that name and public key, and its window must cover `at`, so that a
   * rotated key stops after its overlap and a revoked one at its revocation. Verifiers apply the
   * same windows; refusing here keeps the gateway from signing what no verifier would accept.
   */
  private async keyRefusal(client: pg.ClientBase, at: Date): Promise<ChainRefusal | null> {
    const key = this.signer.name;
    const k = await gatewayKeyNamed(client, this.tenantId, key);
    const pub = this.signer.publicKey;
    if (!k || (pub && !bytesEqual(new Uint8Array(k.publicKey), pub)))
      return {
        code: 'CHECKPOINT_KEY_UNKNOWN',
        message: `gateway key ${key} is not registered for this tenant${k ? ' with this public key' : ''}`,
        key,
      };
    if (at < k.validFrom || (k.validTo && at >= k.validTo))
      return {
        code: 'CHECKPOINT_KEY_OUTSIDE_WINDOW',
        message: `gateway key ${key} is valid ${k.validFrom.toISOString()} .. ${k.validTo?.toISOString() ?? 'open'}, not at ${at.toISOString()}`,
        key,
      };
    return null;
  }

  private async issue(
    client: pg.ClientBase,
    size: number,
    head: Uint8Array,
    last: PreviousCheckpoint | null,
    at: Date,
  ): Promise<IssuedCheckpoint> {
    const root = this.tree.root(size);
    const proof = last && last.size > 0 && last.size <= size ? this.tree.consistencyProof(last.size, size) : [];
    const time = eventTime(at, 0);
    const note = signNote(formatArxCheckpoint({ tenantId: this.tenantId, size, root, time, head }), [this.signer]);
    await insertCheckpoint(client, this.tenantId, {
      size,
      root,
      note,
      keyName: this.signer.name,
      issuedAt: time,
      consistencyProof: proof,
    });
    this.notes.remember(note, size, root);
    const issued = { size, root, note, time };
    this.issued.push(issued);
    return issued;
  }
}
