import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type pg from 'pg';
import { utf8 } from '../../../shared/bytes';
import { BUNDLE_FORMAT, BUNDLE_VERSION, MANIFEST_PAYLOAD_TYPE, type Manifest } from '../../../shared/bundle';
import { isTenantId, type Blake3 } from '../../../shared/chain';
import type { ClassificationLevel } from '../../../shared/config/classification';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import { envelopeOf, pae } from '../../../shared/dsse';
import type { OperatorSignature } from '../card/operator-auth';
import { loadWasmMerkleHasher } from '../chain/node-crypto';
import { withTenant } from '../controlplane/tenant-session';
import type { TrustStore } from '../pki/trust-store';
import type { EnvelopeRecipient } from './envelope/keys';
import { writeMembers } from './export-members';
import { addCompanionAttestation, checkCompanionSigner, pqSignatureOf } from './export-pq';
import type { HeldCompanion } from '../companion/companion-service';
import { readSnapshot, type ExportSnapshot } from './export-snapshot';
import { BundleTarWriter } from './tar-writer';

export interface ExportRequest {
  tenantId: string;
  /** Either a range … */
  from?: number;
  to?: number;
  /** … or the range of a fidelity (review) certificate. */
  reviewId?: string;
  outPath: string;
  /** Seal the bundle to these recipients as it is written (§10 envelope); none: in clear. */
  recipients?: EnvelopeRecipient[];
  /** The classification marking (a console banner level), signed in the manifest. */
  classification: ClassificationLevel;
  /** The logged-in exporter (named in the manifest). */
  session: OperatorSession;
  /** Signs SHA-256(PAE(manifest)) on the exporter's card (OperatorAuth.sign with the PIN). */
  sign: (purpose: string, digest: Uint8Array) => Promise<OperatorSignature>;
  /** The console's configured intermediates and CRLs go into the bundle (anchors never do). */
  trustStore: TrustStore | null;
  blake3: Blake3;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
  now?: () => Date;
  /** The exporter's open companion key: an ML-DSA-87 signature and its attestation (§11); null: classical only. */
  companion?: HeldCompanion | null;
}

export interface ExportResult {
  path: string;
  sha256: string;
  bytes: number;
  tenantId: string;
  from: number;
  to: number;
  events: number;
  eventBytes: number;
  members: number;
  /** The encrypted file's size, when sealed (`sha256` and `bytes` are the bundle inside). */
  sealedBytes: number | null;
  exporter: OperatorSession;
}

/**
 * The checksum members, then the manifest (every member so far), signed on the card and written
 * with its DSSE envelope and the signing certificate (the three trailer members it cannot list).
 */
async function signAndClose(w: BundleTarWriter, req: ExportRequest, s: ExportSnapshot, now: () => Date) {
  await addCompanionAttestation(w, req.companion ?? null);
  const listed = [...w.members];
  await w.add('SHA256SUMS', utf8(listed.map((m) => `${m.sha256}  ${m.name}\n`).join('')));
  await w.add('B3SUMS', utf8(listed.map((m) => `${m.blake3}  ${m.name}\n`).join('')));
  const session = req.session;
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    createdAt: now().toISOString(),
    tenant: { id: req.tenantId, slug: s.tenantSlug },
    range: { from: s.from, to: s.to, count: s.count },
    review: s.reviewId,
    classification: req.classification,
    exporter: {
      operatorId: session.operatorId,
      edipi: session.edipi,
      displayName: session.displayName,
      loginCertificateSha256: session.certificateSha256,
    },
    members: w.members.map((m) => ({ name: m.name, size: m.size, sha256: m.sha256, blake3: m.blake3 })),
  };
  const payload = utf8(JSON.stringify(manifest));
  const signingInput = pae(MANIFEST_PAYLOAD_TYPE, payload);
  const pq = pqSignatureOf(req.companion ?? null, signingInput);
  const digest = new Uint8Array(createHash('sha256').update(signingInput).digest());
  const signed = await req.sign(
    `${req.classification} evidence bundle of ${s.tenantSlug}, events ${s.from}..${s.to} (manifest SHA-256 ${createHash('sha256').update(payload).digest('hex').slice(0, 16)}…)`,
    digest,
  );
  checkCompanionSigner(req.companion ?? null, signed.certificateSha256);
  await w.add('manifest.json', payload);
  const envelope = envelopeOf(MANIFEST_PAYLOAD_TYPE, payload, [
    { keyid: signed.certificateSha256, sig: signed.signature },
    ...(pq ? [pq] : []),
  ]);
  await w.add('manifest.dsse.json', utf8(JSON.stringify(envelope)));
  await w.add('manifest-signer.der', signed.certificateDer);
  return { file: await w.finish(), exporter: signed.operator };
}

/**
 * Writes an evidence bundle (docs/bundle-format.md) of one tenant's range: everything is read in
 * one REPEATABLE READ snapshot, events stream from the database into the file (memory does not
 * grow with the range), and the manifest — every member's size, SHA-256 and BLAKE3 — is signed
 * last on the exporter's card. Nothing is left under `outPath` unless the whole bundle was written.
 */
export async function exportBundle(pool: pg.Pool, req: ExportRequest): Promise<ExportResult> {
  if (!isTenantId(req.tenantId)) throw new ArxFailure('INVALID_REQUEST', 'Not a tenant id.', { path: 'tenant' });
  if (existsSync(req.outPath))
    throw new ArxFailure('BUNDLE_OUT_EXISTS', `${req.outPath} exists already; choose another file name.`, {
      path: 'out',
    });
  const now = req.now ?? (() => new Date());
  const progress = req.onProgress ?? (() => {});
  const hasher = await loadWasmMerkleHasher();
  let writer = null as BundleTarWriter | null;
  try {
    // Everything but the manifest comes from one snapshot of the tenant.
    const snap = await withTenant(
      pool,
      req.tenantId,
      async (client, tx) => {
        try {
          const s = await readSnapshot(client, req, hasher, progress);
          writer = new BundleTarWriter(req.outPath, req.blake3, req.recipients);
          await writeMembers(writer, client, req.tenantId, s, progress);
          return s;
        } catch (err) {
          // Perhaps in the middle of a COPY: a ROLLBACK would queue behind it for ever. The
          // snapshot is read-only: drop the connection instead.
          tx.drop();
          throw err;
        }
      },
      { snapshot: true },
    );
    const w = writer!;
    const { file, exporter } = await signAndClose(w, req, snap, now);
    writer = null;
    const { from, to, count, eventBytes } = snap;
    const members = w.members.length;
    return {
      path: req.outPath,
      sha256: file.sha256,
      bytes: file.bytes,
      tenantId: req.tenantId,
      from,
      to,
      events: count,
      eventBytes,
      members,
      sealedBytes: file.sealedBytes,
      exporter,
    };
  } catch (err) {
    writer?.abort();
    throw err;
  }
}

export type { Manifest };
