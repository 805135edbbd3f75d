import { createHash } from 'node:crypto';
import type pg from 'pg';
import { toHex } from '../../../shared/bytes';
import { genesisHash, type Blake3 } from '../../../shared/chain';
import { formatTlogProof } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';
import type { MerkleHasher } from '../../../shared/merkle';
import {
  checkpointsBySize,
  gatewayKeysOf,
  type CheckpointRow,
  type GatewayKeyRow,
} from '../controlplane/repos/checkpoints';
import { chainHashAt, policyShasDecidedIn, rangeSize, writerCertificatesIn } from '../controlplane/repos/events';
import { certificateDers, certificateEnrolments } from '../controlplane/repos/operators';
import {
  signaturesInSigningOrder,
  versionsWithPolicyName,
  type BundledSignature,
  type BundledVersion,
} from '../controlplane/repos/policy-versions';
import { reviewRange, reviewsOverlapping, type StoredReview } from '../controlplane/repos/reviews';
import { tenantById } from '../controlplane/repos/tenants';
import type { TrustStore } from '../pki/trust-store';
import { inclusionPath } from './export-proofs';

/** What an export reads, all from one snapshot of the tenant. */
export interface ExportSnapshot {
  tenantSlug: string;
  reviewId: string | null;
  from: number;
  to: number;
  count: number;
  eventBytes: number;
  prevHash: Uint8Array;
  lastHash: Uint8Array;
  checkpoints: CheckpointChoice;
  keys: GatewayKeyRow[];
  policies: PolicyEvidence;
  reviews: StoredReview[];
  certs: Map<string, Uint8Array>;
  crls: Map<string, Uint8Array>;
  endProof: Uint8Array[];
  startProof: { name: string; text: string } | null;
  /** Per included checkpoint (by index), the witnesses' cosignature lines stored for its size and root. */
  cosignatures: string[][];
}

export interface SnapshotRequest {
  tenantId: string;
  from?: number;
  to?: number;
  reviewId?: string;
  trustStore: TrustStore | null;
  blake3: Blake3;
}

export interface CheckpointChoice {
  rows: CheckpointRow[];
  /** The first checkpoint that covers h_to, and the first that covers h_(from-1) (from > 0). */
  end: number;
  start: number;
  /** From the start checkpoint to the newest signing of the end checkpoint's size. */
  included: CheckpointRow[];
  endName: string;
}

export interface PolicyEvidence {
  versions: BundledVersion[];
  signatures: BundledSignature[];
  enrolments: Awaited<ReturnType<typeof certificateEnrolments>>;
}

export const pad6 = (i: number) => String(i).padStart(6, '0');
const isHex64 = (s: unknown): s is string => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);

async function storedHash(client: pg.ClientBase, tenantId: string, seq: number): Promise<Uint8Array> {
  const h = await chainHashAt(client, tenantId, seq);
  if (!h)
    throw new ArxFailure('BUNDLE_CHAIN_NOT_CONTIGUOUS', `The chain has no event seq ${seq}: it is not contiguous.`, {
      seq,
    });
  return new Uint8Array(h);
}

/** The range asked for, or the one of the named fidelity certificate. */
async function resolveRange(client: pg.ClientBase, req: SnapshotRequest) {
  let from: number;
  let to: number;
  let reviewId: string | null = null;
  if (req.reviewId !== undefined) {
    const r = await reviewRange(client, req.tenantId, req.reviewId);
    if (!r)
      throw new ArxFailure('NOT_FOUND', `No fidelity certificate ${req.reviewId} in this tenant.`, { path: 'review' });
    ({ id: reviewId, fromSeq: from, toSeq: to } = r);
  } else {
    if (req.from === undefined || req.to === undefined)
      throw new ArxFailure('INVALID_REQUEST', 'Give a range (from and to) or a fidelity certificate id.', {
        path: 'from',
      });
    from = req.from;
    to = req.to;
  }
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from)
    throw new ArxFailure('INVALID_REQUEST', 'The range must satisfy 0 ≤ from ≤ to.', { path: 'to' });
  const { count, bytes } = await rangeSize(client, req.tenantId, from, to);
  if (count !== to - from + 1) {
    throw new ArxFailure(
      'BUNDLE_RANGE_UNAVAILABLE',
      `The chain has ${count} of the ${to - from + 1} events seq ${from}..${to}: the range must exist in full.`,
      { path: 'to', from, to, found: count },
    );
  }
  return { reviewId, from, to, count, eventBytes: bytes };
}

/** The first checkpoint that covers h_(from-1) (for from > 0), the first that covers h_to, and every one between. */
function chooseCheckpoints(rows: CheckpointRow[], from: number, to: number): CheckpointChoice {
  const end = rows.findIndex((c) => Number(c.tree_size) >= to + 1);
  if (end < 0) {
    const newest = rows.length ? Number(rows[rows.length - 1]!.tree_size) : 0;
    throw new ArxFailure(
      'BUNDLE_RANGE_NOT_CHECKPOINTED',
      `No signed checkpoint covers seq ${to} yet (the newest covers ${newest} events): wait for the next checkpoint or end the range at seq ${Math.max(0, newest - 1)}.`,
      { path: 'to', newestSize: newest },
    );
  }
  const start = from === 0 ? end : rows.findIndex((c) => Number(c.tree_size) >= from);
  // Only the newest signing of the end checkpoint's size is needed after it.
  let last = end;
  while (last + 1 < rows.length && rows[last + 1]!.tree_size === rows[end]!.tree_size) last++;
  const included = rows.slice(Math.min(start, end), last + 1);
  return { rows, end, start, included, endName: `checkpoint-${pad6(end - Math.min(start, end) + 1)}.note` };
}

/** Policy versions the range's decisions name, with their signatures and their signers' enrolment. */
async function policyEvidence(client: pg.ClientBase, tenantId: string, from: number, to: number) {
  const used = (await policyShasDecidedIn(client, tenantId, from, to)).filter(isHex64);
  const versions = await versionsWithPolicyName(client, tenantId, used);
  const signatures = await signaturesInSigningOrder(client, tenantId, used);
  // What the control plane knows of each signer: the enrolment the approval check needs.
  const signers = signatures.map((s) => toHex(new Uint8Array(s.certificate_sha256)));
  const enrolments = await certificateEnrolments(client, tenantId, signers);
  return { versions, signatures, enrolments };
}

const bySha256 = (ders: readonly { rawData: ArrayBuffer }[]) => {
  const out = new Map<string, Uint8Array>();
  for (const c of ders) {
    const der = new Uint8Array(c.rawData);
    out.set(createHash('sha256').update(der).digest('hex'), der);
  }
  return out;
};

/**
 * Certificates of every signer (the exporter's is added after signing) — policy and review signers
 * and the writers of the range's console events — the intermediates and the CRLs.
 */
async function certificates(
  client: pg.ClientBase,
  s: PolicyEvidence,
  reviews: StoredReview[],
  trust: TrustStore | null,
  writers: readonly string[],
) {
  const certShas = new Set<string>([
    ...writers,
    ...s.signatures.map((x) => toHex(new Uint8Array(x.certificate_sha256))),
    ...reviews.flatMap((r) => (r.envelope.signatures ?? []).map((x) => String(x.keyid ?? ''))).filter(isHex64),
  ]);
  const certs = certShas.size ? await certificateDers(client, [...certShas]) : new Map<string, Uint8Array>();
  for (const [sha, der] of bySha256(trust?.intermediates ?? [])) certs.set(sha, der);
  return { certs, crls: bySha256(trust?.crls ?? []) };
}

/** The inclusion proofs of h_to (and of h_(from-1)) in their checkpoints, computed from the snapshot. */
async function proofs(
  client: pg.ClientBase,
  tenantId: string,
  from: number,
  to: number,
  cp: CheckpointChoice,
  hasher: MerkleHasher,
) {
  const endProof = await inclusionPath(client, tenantId, to, 0, Number(cp.rows[cp.end]!.tree_size), hasher);
  if (from === 0) return { endProof, startProof: null };
  const startCp = cp.rows[cp.start]!;
  const proof = await inclusionPath(client, tenantId, from - 1, 0, Number(startCp.tree_size), hasher);
  const text = formatTlogProof({ index: from - 1, proof, checkpoint: startCp.note });
  return { endProof, startProof: { name: 'proof-start.tlog-proof', text } };
}

/** Everything but the events themselves, read inside the caller's snapshot transaction. */
export async function readSnapshot(
  client: pg.ClientBase,
  req: SnapshotRequest,
  hasher: MerkleHasher,
  progress: (p: { phase: string; done: number; total: number }) => void,
): Promise<ExportSnapshot> {
  const tenant = await tenantById(client, req.tenantId);
  if (!tenant)
    throw new ArxFailure('NOT_FOUND', `No tenant ${req.tenantId} (or it is not visible to this session).`, {
      path: 'tenant',
    });
  const { reviewId, from, to, count, eventBytes } = await resolveRange(client, req);
  const checkpoints = chooseCheckpoints(await checkpointsBySize(client, req.tenantId), from, to);
  const prevHash =
    from === 0 ? genesisHash(req.blake3, req.tenantId) : await storedHash(client, req.tenantId, from - 1);
  const lastHash = await storedHash(client, req.tenantId, to);
  const keys = await gatewayKeysOf(client, req.tenantId, 'key_name');
  const policies = await policyEvidence(client, req.tenantId, from, to);
  // Fidelity certificates that overlap the range.
  const reviews = await reviewsOverlapping(client, req.tenantId, from, to);
  const writers = await writerCertificatesIn(client, req.tenantId, from, to);
  const { certs, crls } = await certificates(client, policies, reviews, req.trustStore, writers);
  progress({ phase: 'proofs', done: 0, total: 2 });
  const { endProof, startProof } = await proofs(client, req.tenantId, from, to, checkpoints, hasher);
  progress({ phase: 'proofs', done: 2, total: 2 });
  const base = { tenantSlug: tenant.slug, reviewId, from, to, count, eventBytes, prevHash, lastHash };
  const cosignatures = await cosignatureLines(client, req.tenantId, checkpoints.included);
  return { ...base, checkpoints, keys, policies, reviews, certs, crls, endProof, startProof, cosignatures };
}

/** The witness cosignature lines stored for each included checkpoint (same size and root), in a stable order. */
async function cosignatureLines(client: pg.ClientBase, tenantId: string, included: CheckpointRow[]) {
  if (included.length === 0) return [];
  const r = await client.query<{ tree_size: string; root: Buffer; line: string }>(
    `SELECT tree_size, root, line FROM arx.checkpoint_cosignatures
      WHERE tenant_id = $1 AND tree_size = ANY($2::bigint[])
      ORDER BY witness_name, cosigned_at`,
    [tenantId, [...new Set(included.map((c) => c.tree_size))]],
  );
  return included.map((c) =>
    r.rows.filter((x) => x.tree_size === c.tree_size && x.root.equals(c.root)).map((x) => x.line),
  );
}
