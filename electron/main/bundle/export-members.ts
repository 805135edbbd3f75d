import type pg from 'pg';
import { toBase64, toHex, utf8 } from '../../../shared/bytes';
import {
  BUNDLE_MAGIC_TEXT,
  EVENT_RECORD_HEADER,
  eventRecordHeader,
  schemaMemberName,
  VERIFY_SH_MEMBER,
  type BundleRange,
  type PolicyMeta,
} from '../../../shared/bundle';
import { formatTlogProof, formatVerifierKey } from '../../../shared/checkpoint';
import { copyChainRows } from '../chain/copy-rows';
import { pad6, type ExportSnapshot } from './export-snapshot';
import type { BundleTarWriter } from './tar-writer';
import { verifyMd } from './verify-md';
import { VERIFY_SH } from './verify-script';
import { JSON_SCHEMAS, jsonSchemaText } from '../../../shared/bundle/json-schemas';

const json = (v: unknown) => utf8(JSON.stringify(v));
const hexOf = (b: Buffer) => toHex(new Uint8Array(b));
const byName = ([a]: [string, Uint8Array], [b]: [string, Uint8Array]) => (a < b ? -1 : 1);

/** ARX-BUNDLE, VERIFY.md, range.json and gateway-keys.json. */
async function writeHead(w: BundleTarWriter, tenantId: string, s: ExportSnapshot): Promise<void> {
  const { tenantSlug, from, to, count } = s;
  await w.add('ARX-BUNDLE', utf8(BUNDLE_MAGIC_TEXT));
  await w.add('VERIFY.md', utf8(verifyMd({ tenantId, tenantSlug, from, to })));
  const range: BundleRange = {
    tenantId,
    tenantSlug,
    from,
    to,
    count,
    prevHash: toHex(s.prevHash),
    lastHash: toHex(s.lastHash),
    review: s.reviewId,
  };
  await w.add('range.json', json(range));
  // One key per line, readable in a terminal.
  const keyLines = s.keys.map((k) =>
    JSON.stringify({
      name: k.keyName,
      algorithm: 'ed25519',
      verifierKey: formatVerifierKey(k.keyName, new Uint8Array(k.publicKey)),
      validFrom: k.validFrom.toISOString(),
      validTo: k.validTo ? k.validTo.toISOString() : null,
    }),
  );
  await w.add('gateway-keys.json', utf8(`[\n${keyLines.join(',\n')}\n]\n`));
}

/** The checkpoints, consistency.json and the inclusion proofs. */
async function writeCheckpoints(w: BundleTarWriter, s: ExportSnapshot): Promise<void> {
  const { included, rows, end } = s.checkpoints;
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
  // The witnesses' cosignatures apart from the notes, whose bytes stay the gateway's (§3, §5.3).
  const cosigned = included.flatMap((_, i) =>
    s.cosignatures[i]?.length ? [{ checkpoint: `checkpoint-${pad6(i + 1)}.note`, lines: s.cosignatures[i]! }] : [],
  );
  if (cosigned.length) await w.add('cosignatures.json', json(cosigned));
  if (s.startProof) await w.add(s.startProof.name, utf8(s.startProof.text));
  const endProof = formatTlogProof({ index: s.to, proof: s.endProof, checkpoint: rows[end]!.note });
  await w.add('proof-end.tlog-proof', utf8(endProof));
}

/** Each policy version's text and its metadata (signatures and the signers' enrolment). */
async function writePolicies(w: BundleTarWriter, tenantId: string, s: ExportSnapshot): Promise<void> {
  const { versions, signatures, enrolments } = s.policies;
  for (const v of versions) {
    const sha = hexOf(v.sha256);
    const mine = signatures.filter((x) => hexOf(x.version_sha256) === sha);
    const meta: PolicyMeta = {
      sha256: sha,
      blake3: hexOf(v.blake3),
      tenantId,
      policyId: v.policy_id,
      name: v.name,
      state: v.state,
      parentSha256: v.parent_sha256 ? hexOf(v.parent_sha256) : null,
      authorId: v.author_id,
      schemaText: v.schema_text,
      tests: v.tests,
      enrolments: enrolments.filter((e) => mine.some((x) => hexOf(x.certificate_sha256) === e.certificateSha256)),
      signatures: mine.map((x) => ({
        role: x.role as 'author' | 'approver',
        operatorId: x.operator_id,
        certificateSha256: hexOf(x.certificate_sha256),
        signedAt: x.signed_at.toISOString(),
        envelope: x.envelope as PolicyMeta['signatures'][number]['envelope'],
      })),
    };
    await w.add(`policy-${sha}.cedar`, utf8(v.policy_text));
    await w.add(`policy-${sha}.json`, json(meta));
  }
}

/** The reviews, certificates and CRLs. */
async function writeReviewsAndCertificates(w: BundleTarWriter, s: ExportSnapshot): Promise<void> {
  for (const r of s.reviews) {
    const { id, signerId, fromSeq, toSeq, envelope } = r;
    await w.add(
      `review-${id}.json`,
      json({ id, signerId, fromSeq, toSeq, createdAt: r.createdAt.toISOString(), envelope }),
    );
  }
  for (const [sha, der] of [...s.certs.entries()].sort(byName)) await w.add(`cert-${sha}.der`, der);
  for (const [sha, der] of [...s.crls.entries()].sort(byName)) await w.add(`crl-${sha}.der`, der);
}

/** events.bin, streamed from the database inside the snapshot. */
async function writeEvents(
  w: BundleTarWriter,
  client: pg.ClientBase,
  tenantId: string,
  s: ExportSnapshot,
  progress: (p: { phase: string; done: number; total: number }) => void,
): Promise<void> {
  await w.begin('events.bin', s.count * EVENT_RECORD_HEADER + s.eventBytes);
  let done = 0;
  for await (const batch of copyChainRows(client as pg.PoolClient, tenantId, s.from, s.to)) {
    for (const r of batch) {
      await w.write(eventRecordHeader(r.seq, r.bytes.length, r.digest, r.hash));
      await w.write(r.bytes);
    }
    done += batch.length;
    progress({ phase: 'events', done, total: s.count });
  }
  await w.end();
}

/** Every member before the checksums and the manifest, in the order of docs/bundle-format.md §3. */
export async function writeMembers(
  w: BundleTarWriter,
  client: pg.ClientBase,
  tenantId: string,
  s: ExportSnapshot,
  progress: (p: { phase: string; done: number; total: number }) => void,
): Promise<void> {
  await writeHead(w, tenantId, s);
  await writeCheckpoints(w, s);
  await writePolicies(w, tenantId, s);
  await writeReviewsAndCertificates(w, s);
  await writeEvents(w, client, tenantId, s, progress);
  await writePublishedCopies(w);
}

/** Format version 2: verify.sh and the JSON Schemas as ARX publishes them (informational copies). */
async function writePublishedCopies(w: BundleTarWriter): Promise<void> {
  await w.add(VERIFY_SH_MEMBER, utf8(VERIFY_SH));
  for (const name of Object.keys(JSON_SCHEMAS)) await w.add(schemaMemberName(name), utf8(jsonSchemaText(name)));
}
