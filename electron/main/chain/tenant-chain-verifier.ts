import type pg from 'pg';
import { toHex } from '../../../shared/bytes';
import { ChainVerifier, isTenantId, nobleBlake3, type Blake3, type ChainAnchor, type ChainIssue } from '../../../shared/chain';
import { openArxCheckpoint, type NoteVerifier } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';
import { MerkleFrontier, verifyConsistency } from '../../../shared/merkle';
import { copyChainRows } from './copy-rows';
import { loadWasmMerkleHasher, nodeEd25519Verifier } from './node-crypto';

/** Problems with checkpoints, beside the chain's own codes (shared/chain/issues.ts). */
export const CHECKPOINT_ISSUE_CODES = [
  'CHECKPOINT_ROOT_MISMATCH',
  'CHECKPOINT_SIGNATURE_INVALID',
  'CHECKPOINT_KEY_UNKNOWN',
  'CHECKPOINT_KEY_OUTSIDE_WINDOW',
  'CHECKPOINT_MALFORMED',
  'CHECKPOINT_ROW_MISMATCH',
  'CHECKPOINT_CONSISTENCY_INVALID',
] as const;
export type CheckpointIssueCode = (typeof CHECKPOINT_ISSUE_CODES)[number];

export interface VerificationIssue {
  code: ChainIssue['code'] | CheckpointIssueCode;
  message: string;
  details: { seq: number; expected?: string; found?: string; [k: string]: unknown };
}

export interface ChainVerification {
  ok: boolean;
  tenantId: string;
  from: number;
  to: number | null;
  rows: number;
  bytes: number;
  checkpoints: { total: number; verified: number; newestSize: number | null };
  errors: VerificationIssue[];
  warnings: VerificationIssue[];
  omitted: number;
  durationMs: number;
}

export interface VerifyOptions {
  from?: number;
  to?: number;
  blake3?: Blake3;
  onProgress?: (p: { rows: number; bytes: number; seq: number }) => void;
  signal?: AbortSignal;
}

interface CheckpointRow {
  tree_size: string;
  root: Buffer;
  note: string;
  key_name: string;
  issued_at: Date;
  consistency_proof: Buffer[];
}

const issue = (code: CheckpointIssueCode, message: string, details: VerificationIssue['details']): VerificationIssue => ({ code, message, details });

/**
 * Verifies one tenant's audit chain as stored in the control plane (`arx chain verify`, and the
 * ISSO's Audit screen): every event digest, link and seq (ChainVerifier), every checkpoint's
 * signature against the registered gateway keys and their validity windows, every checkpoint
 * root against the Merkle tree recomputed from the stored chain hashes, and the consistency proof
 * between consecutive checkpoints. The database is not trusted: it only supplies the rows.
 * Rows stream through a cursor, so memory does not grow with the chain.
 */
export async function verifyTenantChain(pool: pg.Pool, tenantId: string, opts: VerifyOptions = {}): Promise<ChainVerification> {
  const started = Date.now();
  if (!isTenantId(tenantId)) throw new ArxFailure('INVALID_REQUEST', `Not a tenant id: ${tenantId.slice(0, 40)}`, { path: 'tenant' });
  const b3 = opts.blake3 ?? nobleBlake3;
  const from = opts.from ?? 0;
  const to = opts.to ?? null;
  const errors: VerificationIssue[] = [];
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query("SELECT set_config('arx.tenant_id', $1, true)", [tenantId]);
    const tenant = await client.query('SELECT 1 FROM arx.tenants WHERE id = $1', [tenantId]);
    if (tenant.rowCount === 0) throw new ArxFailure('NOT_FOUND', `No tenant ${tenantId} (or it is not visible to this session).`);

    // 1. Checkpoints: signatures, keys and their windows. Only verified ones become anchors.
    const keys = await client.query<{ key_name: string; public_key: Buffer; valid_from: Date; valid_to: Date | null }>(
      'SELECT key_name, public_key, valid_from, valid_to FROM arx.gateway_keys WHERE tenant_id = $1',
      [tenantId],
    );
    const verifiers: NoteVerifier[] = [];
    const windows = new Map<string, { from: Date; to: Date | null }>();
    for (const k of keys.rows) {
      try {
        verifiers.push(nodeEd25519Verifier(k.key_name, new Uint8Array(k.public_key)));
        windows.set(k.key_name, { from: k.valid_from, to: k.valid_to });
      } catch {
        // An unusable registered key verifies nothing; checkpoints signed by it show as KEY_UNKNOWN.
      }
    }
    const cps = await client.query<CheckpointRow>(
      'SELECT tree_size, root, note, key_name, issued_at, consistency_proof FROM arx.checkpoints WHERE tenant_id = $1 ORDER BY tree_size, issued_at',
      [tenantId],
    );
    const verified: { size: number; root: Uint8Array; head: Uint8Array; proof: Uint8Array[] }[] = [];
    for (const row of cps.rows) {
      const size = Number(row.tree_size);
      const at = { seq: Math.max(0, size - 1), treeSize: size, issuedAt: row.issued_at.toISOString() };
      const opened = openArxCheckpoint(row.note, verifiers, { tenantId });
      if (!opened.ok) {
        const e = opened.error;
        if (e.code === 'NOTE_UNVERIFIED' || e.code === 'NOTE_NO_SIGNATURES') {
          errors.push(issue('CHECKPOINT_KEY_UNKNOWN', `the checkpoint of size ${size} is not signed by any registered gateway key`, { ...at, found: row.key_name }));
        } else if (e.code === 'NOTE_SIGNATURE_INVALID') {
          errors.push(issue('CHECKPOINT_SIGNATURE_INVALID', `the signature on the checkpoint of size ${size} does not verify: it was altered or replaced`, { ...at, found: row.key_name }));
        } else {
          errors.push(issue('CHECKPOINT_MALFORMED', `the checkpoint of size ${size} is malformed: ${e.message}`, { ...at, reason: e.code }));
        }
        continue;
      }
      const cp = opened.value.checkpoint;
      const signer = opened.value.note.verifiedBy[0]!.name;
      const w = windows.get(signer)!;
      const t = new Date(cp.time);
      if (t < w.from || (w.to !== null && t >= w.to)) {
        errors.push(
          issue('CHECKPOINT_KEY_OUTSIDE_WINDOW', `the checkpoint of size ${cp.size} was signed at ${cp.time}, outside the validity of key ${signer}`, {
            ...at,
            key: signer,
          }),
        );
        continue;
      }
      if (cp.size !== size || toHex(cp.root) !== toHex(new Uint8Array(row.root))) {
        errors.push(
          issue('CHECKPOINT_ROW_MISMATCH', `the checkpoint row says size ${size}, but its signed note says size ${cp.size}`, {
            ...at,
            expected: `${cp.size}:${toHex(cp.root)}`,
            found: `${size}:${toHex(new Uint8Array(row.root))}`,
          }),
        );
      }
      verified.push({ size: cp.size, root: cp.root, head: cp.head, proof: row.consistency_proof.map((p) => new Uint8Array(p)) });
    }
    verified.sort((a, b) => a.size - b.size);
    for (let i = 1; i < verified.length; i++) {
      const a = verified[i - 1]!;
      const b = verified[i]!;
      if (a.size === 0 || a.size === b.size) {
        if (a.size === b.size && toHex(a.root) !== toHex(b.root)) {
          errors.push(issue('CHECKPOINT_CONSISTENCY_INVALID', `two signed checkpoints of size ${a.size} disagree on the root: the log forked`, { seq: a.size - 1 }));
        }
        continue;
      }
      const c = verifyConsistency(a.size, b.size, b.proof, a.root, b.root);
      if (!c.ok) {
        errors.push(
          issue('CHECKPOINT_CONSISTENCY_INVALID', `the checkpoint of size ${b.size} is not an extension of the one of size ${a.size}: ${c.error.message}`, {
            seq: b.size - 1,
            from: a.size,
          }),
        );
      }
    }

    // 2. The chain itself, anchored on the verified checkpoint heads within the range.
    const inRange = (seq: number) => seq >= from && (to === null || seq <= to);
    const anchors: ChainAnchor[] = verified.filter((c) => c.size > 0 && inRange(c.size - 1)).map((c) => ({ seq: c.size - 1, hash: c.head }));
    let start: ConstructorParameters<typeof ChainVerifier>[0]['start'] = { tenantId };
    const frontier = new MerkleFrontier(undefined, await loadWasmMerkleHasher());
    if (from > 0) {
      // Leaves before the range still feed the Merkle tree; their hashes only, not their bytes.
      const before = await client.query<{ seq: string; chain_hash: Buffer }>(
        'SELECT seq, chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq < $2 ORDER BY seq',
        [tenantId, from],
      );
      for (const r of before.rows) frontier.append(new Uint8Array(r.chain_hash));
      const prev = before.rows[before.rows.length - 1];
      start = { seq: from, prevHash: prev ? new Uint8Array(prev.chain_hash) : new Uint8Array(32) };
    }
    const verifier = new ChainVerifier({ start, blake3: b3, anchors });
    const roots = new Map(verified.map((c) => [c.size, c.root]));
    let rows = 0;
    let bytes = 0;
    let lastSeq = from - 1;
    for await (const batch of copyChainRows(client, tenantId, from, to)) {
      if (opts.signal?.aborted) throw new ArxFailure('CANCELLED', 'Verification was cancelled.');
      for (const r of batch) {
        const seq = r.seq;
        verifier.push({ seq, bytes: r.bytes, digest: r.digest, hash: r.hash });
        frontier.append(r.hash);
        const expectedRoot = roots.get(frontier.size);
        if (expectedRoot) {
          const found = frontier.root();
          if (toHex(found) !== toHex(expectedRoot)) {
            errors.push(
              issue('CHECKPOINT_ROOT_MISMATCH', `the Merkle root over the first ${frontier.size} stored events differs from the signed checkpoint`, {
                seq,
                treeSize: frontier.size,
                expected: toHex(expectedRoot),
                found: toHex(found),
              }),
            );
          }
        }
        rows++;
        bytes += r.bytes.length;
        lastSeq = seq;
      }
      opts.onProgress?.({ rows, bytes, seq: lastSeq });
    }
    await client.query('COMMIT');
    const report = verifier.finish();
    const all = [...report.errors.map((e) => e as VerificationIssue), ...errors].sort((a, b) => a.details.seq - b.details.seq);
    return {
      ok: all.length === 0,
      tenantId,
      from,
      to,
      rows,
      bytes,
      checkpoints: { total: cps.rows.length, verified: verified.length, newestSize: verified.length ? verified[verified.length - 1]!.size : null },
      errors: all,
      warnings: report.warnings as VerificationIssue[],
      omitted: report.omitted,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    if (err instanceof ArxFailure) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === '57P01') {
      throw new ArxFailure('DB_UNREACHABLE', `The control plane went away during verification: ${(err as Error).message}`);
    }
    throw err;
  } finally {
    client.release();
  }
}
