import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type pg from 'pg';
import { toBase64, toHex, utf8 } from '../../../shared/bytes';
import {
  BUNDLE_FORMAT,
  BUNDLE_MAGIC_TEXT,
  BUNDLE_VERSION,
  EVENT_RECORD_HEADER,
  MANIFEST_PAYLOAD_TYPE,
  eventRecordHeader,
  type BundleRange,
  type Manifest,
  type PolicyMeta,
} from '../../../shared/bundle';
import { genesisHash, isTenantId, type Blake3 } from '../../../shared/chain';
import { formatTlogProof, formatVerifierKey } from '../../../shared/checkpoint';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import { envelopeOf, pae } from '../../../shared/dsse';
import { MerkleFrontier, splitPoint, type MerkleHasher } from '../../../shared/merkle';
import type { OperatorSignature } from '../card/operator-auth';
import { copyChainRows } from '../chain/copy-rows';
import { loadWasmMerkleHasher } from '../chain/node-crypto';
import { tenantById } from '../controlplane/repos/tenants';
import { withTenant } from '../controlplane/tenant-session';
import type { TrustStore } from '../pki/trust-store';
import { BundleTarWriter } from './tar-writer';
import { verifyMd } from './verify-md';

export interface ExportRequest {
  tenantId: string;
  /** Either a range … */
  from?: number;
  to?: number;
  /** … or the range of a fidelity (review) certificate. */
  reviewId?: string;
  outPath: string;
  /** The logged-in exporter (named in the manifest). */
  session: OperatorSession;
  /** Signs SHA-256(PAE(manifest)) on the exporter's card (OperatorAuth.sign with the PIN). */
  sign: (purpose: string, digest: Uint8Array) => Promise<OperatorSignature>;
  /** The console's configured intermediates and CRLs go into the bundle (anchors never do). */
  trustStore: TrustStore | null;
  blake3: Blake3;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
  now?: () => Date;
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
  exporter: OperatorSession;
}

interface CheckpointRow {
  tree_size: string;
  note: string;
  issued_at: Date;
  consistency_proof: Buffer[];
}

const BATCH = 50_000;

/** MTH(D[a:b]) over the stored chain hashes, streamed in batches through a frontier. */
async function rangeRoot(
  client: pg.ClientBase,
  tenantId: string,
  a: number,
  b: number,
  hasher: MerkleHasher,
): Promise<Uint8Array> {
  const f = new MerkleFrontier(undefined, hasher);
  for (let s = a; s < b; s += BATCH) {
    const r = await client.query<{ chain_hash: Buffer }>(
      'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq',
      [tenantId, s, Math.min(b, s + BATCH)],
    );
    for (const row of r.rows) f.append(new Uint8Array(row.chain_hash));
  }
  if (f.size !== b - a)
    throw new ArxFailure(
      'BUNDLE_CHAIN_NOT_CONTIGUOUS',
      `The chain has ${f.size} rows in seq ${a}..${b - 1}: it is not contiguous.`,
      { from: a, to: b - 1 },
    );
  return f.root();
}

/**
 * RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]) without holding the tree: every element is the root of a
 * contiguous range, computed by streaming that range's chain hashes once (each leaf is read once
 * in all), so memory does not grow with the range.
 */
async function inclusionPath(
  client: pg.ClientBase,
  tenantId: string,
  m: number,
  lo: number,
  hi: number,
  hasher: MerkleHasher,
): Promise<Uint8Array[]> {
  const n = hi - lo;
  if (n <= 1) return [];
  const k = splitPoint(n);
  if (m < k)
    return [
      ...(await inclusionPath(client, tenantId, m, lo, lo + k, hasher)),
      await rangeRoot(client, tenantId, lo + k, hi, hasher),
    ];
  return [
    ...(await inclusionPath(client, tenantId, m - k, lo + k, hi, hasher)),
    await rangeRoot(client, tenantId, lo, lo + k, hasher),
  ];
}

const pad6 = (i: number) => String(i).padStart(6, '0');

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
    const { w, tenantSlug, reviewId, from, to, count, eventBytes } = await withTenant(
      pool,
      req.tenantId,
      async (client) => {
        const tenant = await tenantById(client, req.tenantId);
        if (!tenant)
          throw new ArxFailure('NOT_FOUND', `No tenant ${req.tenantId} (or it is not visible to this session).`, {
            path: 'tenant',
          });
        const tenantSlug = tenant.slug;

        // The range.
        let from: number;
        let to: number;
        let reviewId: string | null = null;
        if (req.reviewId !== undefined) {
          const r = await client.query<{ id: string; from_seq: string; to_seq: string }>(
            'SELECT id, from_seq, to_seq FROM arx.review_certificates WHERE tenant_id = $1 AND id::text = $2',
            [req.tenantId, req.reviewId],
          );
          if (!r.rows[0])
            throw new ArxFailure('NOT_FOUND', `No fidelity certificate ${req.reviewId} in this tenant.`, {
              path: 'review',
            });
          reviewId = r.rows[0].id;
          from = Number(r.rows[0].from_seq);
          to = Number(r.rows[0].to_seq);
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
        const stats = await client.query<{ n: string; bytes: string | null }>(
          `SELECT count(*) AS n, sum(length(bytes)) AS bytes
       FROM arx.audit_events WHERE tenant_id = $1 AND seq >= $2 AND seq <= $3`,
          [req.tenantId, from, to],
        );
        const count = Number(stats.rows[0]!.n);
        if (count !== to - from + 1) {
          throw new ArxFailure(
            'BUNDLE_RANGE_UNAVAILABLE',
            `The chain has ${count} of the ${to - from + 1} events seq ${from}..${to}: the range must exist in full.`,
            { path: 'to', from, to, found: count },
          );
        }
        const eventBytes = Number(stats.rows[0]!.bytes ?? 0);

        // Checkpoints: the first that covers h_(from-1) (for from > 0), the first that covers h_to, and every one between.
        const cps = await client.query<CheckpointRow>(
          'SELECT tree_size, note, issued_at, consistency_proof FROM arx.checkpoints WHERE tenant_id = $1 ORDER BY tree_size, issued_at',
          [req.tenantId],
        );
        const end = cps.rows.findIndex((c) => Number(c.tree_size) >= to + 1);
        if (end < 0) {
          const newest = cps.rows.length ? Number(cps.rows[cps.rows.length - 1]!.tree_size) : 0;
          throw new ArxFailure(
            'BUNDLE_RANGE_NOT_CHECKPOINTED',
            `No signed checkpoint covers seq ${to} yet (the newest covers ${newest} events): wait for the next checkpoint or end the range at seq ${Math.max(0, newest - 1)}.`,
            {
              path: 'to',
              newestSize: newest,
            },
          );
        }
        const startIdx = from === 0 ? end : cps.rows.findIndex((c) => Number(c.tree_size) >= from);
        // Only the newest signing of the end checkpoint's size is needed after it.
        let lastIdx = end;
        while (lastIdx + 1 < cps.rows.length && cps.rows[lastIdx + 1]!.tree_size === cps.rows[end]!.tree_size)
          lastIdx++;
        const included = cps.rows.slice(Math.min(startIdx, end), lastIdx + 1);
        const endName = `checkpoint-${pad6(end - Math.min(startIdx, end) + 1)}.note`;

        const prevHash =
          from === 0
            ? genesisHash(req.blake3, req.tenantId)
            : new Uint8Array(
                (
                  await client.query<{ chain_hash: Buffer }>(
                    'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2',
                    [req.tenantId, from - 1],
                  )
                ).rows[0]!.chain_hash,
              );
        const lastHash = new Uint8Array(
          (
            await client.query<{ chain_hash: Buffer }>(
              'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2',
              [req.tenantId, to],
            )
          ).rows[0]!.chain_hash,
        );

        // Gateway keys with their windows.
        const keys = await client.query<{
          key_name: string;
          public_key: Buffer;
          valid_from: Date;
          valid_to: Date | null;
        }>(
          'SELECT key_name, public_key, valid_from, valid_to FROM arx.gateway_keys WHERE tenant_id = $1 ORDER BY key_name',
          [req.tenantId],
        );

        // Policy versions the range's decisions name, with their signatures.
        const used = await client.query<{ sha256: string }>(
          `SELECT DISTINCT doc->'data'->'policyVersion'->>'sha256' AS sha256 FROM arx.audit_events
       WHERE tenant_id = $1 AND seq >= $2 AND seq <= $3 AND type = 'com.arx.policy.decided'`,
          [req.tenantId, from, to],
        );
        const usedShas = used.rows
          .map((r) => r.sha256)
          .filter((s): s is string => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s));
        const versions = await client.query<{
          sha256: Buffer;
          blake3: Buffer;
          policy_id: string;
          name: string;
          state: string;
          parent_sha256: Buffer | null;
          policy_text: string;
          schema_text: string;
          tests: unknown[];
          author_id: string;
        }>(
          `SELECT v.sha256, v.blake3, v.policy_id, p.name, v.state, v.parent_sha256, v.policy_text, v.schema_text, v.tests, v.author_id
       FROM arx.policy_versions v JOIN arx.policies p ON p.id = v.policy_id
       WHERE v.tenant_id = $1 AND encode(v.sha256, 'hex') = ANY($2::text[]) ORDER BY encode(v.sha256, 'hex')`,
          [req.tenantId, usedShas],
        );
        const sigs = await client.query<{
          version_sha256: Buffer;
          operator_id: string;
          role: string;
          certificate_sha256: Buffer;
          envelope: unknown;
          signed_at: Date;
        }>(
          `SELECT version_sha256, operator_id, role, certificate_sha256, envelope, signed_at FROM arx.policy_signatures
       WHERE tenant_id = $1 AND encode(version_sha256, 'hex') = ANY($2::text[]) ORDER BY signed_at, role`,
          [req.tenantId, usedShas],
        );
        // Fidelity certificates that overlap the range.
        const reviews = await client.query<{
          id: string;
          signer_id: string;
          from_seq: string;
          to_seq: string;
          envelope: { signatures?: { keyid?: string }[] };
          created_at: Date;
        }>(
          `SELECT id, signer_id, from_seq, to_seq, envelope, created_at FROM arx.review_certificates
       WHERE tenant_id = $1 AND from_seq <= $3 AND to_seq >= $2 ORDER BY id`,
          [req.tenantId, from, to],
        );
        // Certificates of every signer (the exporter's is added after signing).
        const certShas = new Set<string>([
          ...sigs.rows.map((s) => toHex(new Uint8Array(s.certificate_sha256))),
          ...reviews.rows
            .flatMap((r) => (r.envelope.signatures ?? []).map((s) => String(s.keyid ?? '')))
            .filter((k) => /^[0-9a-f]{64}$/.test(k)),
        ]);
        const certs = new Map<string, Uint8Array>();
        if (certShas.size) {
          const rows = await client.query<{ sha256: Buffer; der: Buffer }>(
            `SELECT sha256, der FROM arx.operator_certificates WHERE encode(sha256, 'hex') = ANY($1::text[])`,
            [[...certShas]],
          );
          for (const r of rows.rows) certs.set(toHex(new Uint8Array(r.sha256)), new Uint8Array(r.der));
        }
        for (const c of req.trustStore?.intermediates ?? []) {
          const der = new Uint8Array(c.rawData);
          certs.set(createHash('sha256').update(der).digest('hex'), der);
        }
        const crls = new Map<string, Uint8Array>();
        for (const c of req.trustStore?.crls ?? []) {
          const der = new Uint8Array(c.rawData);
          crls.set(createHash('sha256').update(der).digest('hex'), der);
        }

        // Proofs, computed from the snapshot.
        progress({ phase: 'proofs', done: 0, total: 2 });
        const endSize = Number(cps.rows[end]!.tree_size);
        const endProof = await inclusionPath(client, req.tenantId, to, 0, endSize, hasher);
        let startProof: { name: string; text: string } | null = null;
        if (from > 0) {
          const startSize = Number(cps.rows[startIdx]!.tree_size);
          const proof = await inclusionPath(client, req.tenantId, from - 1, 0, startSize, hasher);
          startProof = {
            name: 'proof-start.tlog-proof',
            text: formatTlogProof({ index: from - 1, proof, checkpoint: cps.rows[startIdx]!.note }),
          };
        }
        progress({ phase: 'proofs', done: 2, total: 2 });

        // Write the members, in the order of docs/bundle-format.md §3.
        writer = new BundleTarWriter(req.outPath, req.blake3);
        const w = writer;
        const json = (v: unknown) => utf8(JSON.stringify(v));
        await w.add('ARX-BUNDLE', utf8(BUNDLE_MAGIC_TEXT));
        await w.add(
          'VERIFY.md',
          utf8(verifyMd({ tenantId: req.tenantId, tenantSlug, from, to, endCheckpoint: endName })),
        );
        const range: BundleRange = {
          tenantId: req.tenantId,
          tenantSlug,
          from,
          to,
          count,
          prevHash: toHex(prevHash),
          lastHash: toHex(lastHash),
          review: reviewId,
        };
        await w.add('range.json', json(range));
        // One key per line, so that VERIFY.md can pick a key with grep.
        const keyLines = keys.rows.map((k) =>
          JSON.stringify({
            name: k.key_name,
            algorithm: 'ed25519',
            verifierKey: formatVerifierKey(k.key_name, new Uint8Array(k.public_key)),
            validFrom: k.valid_from.toISOString(),
            validTo: k.valid_to ? k.valid_to.toISOString() : null,
          }),
        );
        await w.add('gateway-keys.json', utf8(`[\n${keyLines.join(',\n')}\n]\n`));
        const consistency: { checkpoint: number; fromSize: number; toSize: number; proof: string[] }[] = [];
        for (const [i, c] of included.entries()) {
          await w.add(`checkpoint-${pad6(i + 1)}.note`, utf8(c.note));
          if (i > 0) {
            const prev = Number(included[i - 1]!.tree_size);
            const size = Number(c.tree_size);
            // The checkpointer stores, with each checkpoint, the proof from the one issued before it.
            consistency.push({
              checkpoint: i + 1,
              fromSize: prev,
              toSize: size,
              proof: prev === size || prev === 0 ? [] : c.consistency_proof.map((p) => toBase64(new Uint8Array(p))),
            });
          }
        }
        await w.add('consistency.json', json(consistency));
        if (startProof) await w.add(startProof.name, utf8(startProof.text));
        await w.add(
          'proof-end.tlog-proof',
          utf8(formatTlogProof({ index: to, proof: endProof, checkpoint: cps.rows[end]!.note })),
        );
        // What the control plane knows of each signer: the enrolment the approval check needs.
        const enrolled = await client.query<{
          sha256: Buffer;
          operator_id: string;
          usage: string;
          status: string;
          roles: string[] | null;
        }>(
          `SELECT c.sha256, c.operator_id, c.usage, o.status,
              (SELECT array_agg(g.role ORDER BY g.role) FROM arx.role_grants g WHERE g.tenant_id = $1 AND g.operator_id = c.operator_id) AS roles
       FROM arx.operator_certificates c JOIN arx.operators o ON o.id = c.operator_id WHERE encode(c.sha256, 'hex') = ANY($2::text[])`,
          [req.tenantId, sigs.rows.map((s) => toHex(new Uint8Array(s.certificate_sha256)))],
        );
        const enrolments = enrolled.rows.map((e) => ({
          certificateSha256: toHex(new Uint8Array(e.sha256)),
          operatorId: e.operator_id,
          usage: e.usage,
          operatorActive: e.status === 'active',
          roles: e.roles ?? [],
        }));
        for (const v of versions.rows) {
          const sha = toHex(new Uint8Array(v.sha256));
          const mine = sigs.rows.filter((s) => toHex(new Uint8Array(s.version_sha256)) === sha);
          const meta: PolicyMeta = {
            sha256: sha,
            blake3: toHex(new Uint8Array(v.blake3)),
            tenantId: req.tenantId,
            policyId: v.policy_id,
            name: v.name,
            state: v.state,
            parentSha256: v.parent_sha256 ? toHex(new Uint8Array(v.parent_sha256)) : null,
            authorId: v.author_id,
            schemaText: v.schema_text,
            tests: v.tests,
            enrolments: enrolments.filter((e) =>
              mine.some((s) => toHex(new Uint8Array(s.certificate_sha256)) === e.certificateSha256),
            ),
            signatures: mine.map((s) => ({
              role: s.role as 'author' | 'approver',
              operatorId: s.operator_id,
              certificateSha256: toHex(new Uint8Array(s.certificate_sha256)),
              signedAt: s.signed_at.toISOString(),
              envelope: s.envelope as PolicyMeta['signatures'][number]['envelope'],
            })),
          };
          await w.add(`policy-${sha}.cedar`, utf8(v.policy_text));
          await w.add(`policy-${sha}.json`, json(meta));
        }
        for (const r of reviews.rows) {
          await w.add(
            `review-${r.id}.json`,
            json({
              id: r.id,
              signerId: r.signer_id,
              fromSeq: Number(r.from_seq),
              toSeq: Number(r.to_seq),
              createdAt: r.created_at.toISOString(),
              envelope: r.envelope,
            }),
          );
        }

        for (const [sha, der] of [...certs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
          await w.add(`cert-${sha}.der`, der);
        for (const [sha, der] of [...crls.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
          await w.add(`crl-${sha}.der`, der);

        // events.bin: streamed from the database.
        await w.begin('events.bin', count * EVENT_RECORD_HEADER + eventBytes);
        let done = 0;
        for await (const batch of copyChainRows(client as pg.PoolClient, req.tenantId, from, to)) {
          for (const r of batch) {
            await w.write(eventRecordHeader(r.seq, r.bytes.length, r.digest, r.hash));
            await w.write(r.bytes);
          }
          done += batch.length;
          progress({ phase: 'events', done, total: count });
        }
        await w.end();
        return { w, tenantSlug, reviewId, from, to, count, eventBytes };
      },
      { snapshot: true },
    );

    const listed = [...w.members];
    await w.add('SHA256SUMS', utf8(listed.map((m) => `${m.sha256}  ${m.name}\n`).join('')));
    await w.add('B3SUMS', utf8(listed.map((m) => `${m.blake3}  ${m.name}\n`).join('')));

    // The manifest lists every member so far; it is signed on the card, then written with its
    // DSSE envelope and the signing certificate (the three trailer members it cannot list).
    const session = req.session;
    const manifest: Manifest = {
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      createdAt: now().toISOString(),
      tenant: { id: req.tenantId, slug: tenantSlug },
      range: { from, to, count },
      review: reviewId,
      exporter: {
        operatorId: session.operatorId,
        edipi: session.edipi,
        displayName: session.displayName,
        loginCertificateSha256: session.certificateSha256,
      },
      members: w.members.map((m) => ({ name: m.name, size: m.size, sha256: m.sha256, blake3: m.blake3 })),
    };
    const payload = utf8(JSON.stringify(manifest));
    const digest = new Uint8Array(createHash('sha256').update(pae(MANIFEST_PAYLOAD_TYPE, payload)).digest());
    const signed = await req.sign(
      `Evidence bundle of ${tenantSlug}, events ${from}..${to} (manifest SHA-256 ${createHash('sha256').update(payload).digest('hex').slice(0, 16)}…)`,
      digest,
    );
    await w.add('manifest.json', payload);
    await w.add(
      'manifest.dsse.json',
      utf8(
        JSON.stringify(
          envelopeOf(MANIFEST_PAYLOAD_TYPE, payload, [{ keyid: signed.certificateSha256, sig: signed.signature }]),
        ),
      ),
    );
    await w.add('manifest-signer.der', signed.certificateDer);
    const file = await w.finish();
    writer = null;
    return {
      path: req.outPath,
      sha256: file.sha256,
      bytes: file.bytes,
      tenantId: req.tenantId,
      from,
      to,
      events: count,
      eventBytes,
      members: w.members.length,
      exporter: signed.operator,
    };
  } catch (err) {
    writer?.abort();
    throw err;
  }
}

export type { Manifest };
