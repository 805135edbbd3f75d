import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64, toHex, utf8 } from '../../../shared/bytes';
import { ChainBuilder, nobleBlake3 } from '../../../shared/chain';
import {
  COMPANION_ATTESTATION_PAYLOAD_TYPE,
  attestationBytes,
  newAttestation,
  type CompanionAttestation,
} from '../../../shared/companion';
import type { OperatorSession } from '../../../shared/contract';
import { envelopeOf, pae, type DsseEnvelope } from '../../../shared/dsse';
import { MerkleTree } from '../../../shared/merkle';
import {
  FIDELITY_PAYLOAD_TYPE,
  fidelityPayload,
  openFidelityCertificate,
  type FidelityStatement,
} from '../../../shared/review';
import { loadBundleTrust } from '../../../electron/main/bundle/trust';
import { verifyBundle } from '../../../electron/main/bundle/verify';
import { bundleVerify } from '../../../electron/main/cli/bundle-commands';
import { CompanionKeys } from '../../../electron/main/companion/companion-keys';
import { judgeReviewPq } from '../../../electron/main/companion/pq-signature';
import { verifyCertificate } from '../../../electron/main/review/certificate-verify';
import { EXPORTER } from '../../vectors/pki';
import { TENANT, chainEvents, sha256Hex, type Member } from '../../vectors/model';
import { context, derive, writeTar } from '../../vectors/vectors';
import { sampleStatement } from './sample-statement';

/**
 * The ML-DSA-87 companion signature on a fidelity certificate (docs/fidelity-certificates.md):
 * the reviewer's card is the conformance model's P-256 exporter key with its committed certificate,
 * the companion key a fixed seed's. Judged apart from the card's signature in the console's
 * verification, the outbox's and `arx bundle verify` (with --require-pq), each tampering with a
 * code of its own.
 */
const DIR = join(process.cwd(), 'docs/conformance');
const ctx = context(DIR);
const CARD = ctx.inputs.exporterDer;
const keys = new CompanionKeys(Uint8Array.from({ length: 64 }, (_, i) => (i * 7 + 3) & 0xff));
const OPERATOR = '5eed0000-0000-4000-8000-0000000000e1';
const REVIEW_ID = '5eed0000-0000-4000-8000-0000000000c2';
const tmp = mkdtempSync(join(tmpdir(), 'arx-pq-review-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function attestation(o: { certDer?: Uint8Array; edit?: (a: CompanionAttestation) => void } = {}): DsseEnvelope {
  const certSha = sha256Hex(o.certDer ?? CARD);
  const st = newAttestation({
    createdAt: new Date('2026-12-01T12:00:00.000Z'),
    edipi: EXPORTER.edipi,
    operatorId: OPERATOR,
    keyManagementCertificateSha256: '1'.repeat(64),
    signingCertificateSha256: certSha,
    ed25519: keys.ed25519Public,
    mlDsa87: keys.mlDsa87Public,
    replaces: null,
  });
  o.edit?.(st);
  const payload = attestationBytes(st);
  const sig = p256.sign(pae(COMPANION_ATTESTATION_PAYLOAD_TYPE, payload), derive('exporter-key'), {
    prehash: true,
    format: 'der',
  });
  return envelopeOf(COMPANION_ATTESTATION_PAYLOAD_TYPE, payload, [{ keyid: certSha, sig }]);
}

/** The model chain's digests for seq 2…5: a subject the bundle verifier accepts. */
function subject(st: FidelityStatement): void {
  const b = new ChainBuilder(nobleBlake3, { tenantId: TENANT });
  const hashes = chainEvents().map((e) => b.append(e).hash);
  const tree = new MerkleTree();
  for (const h of hashes) tree.append(h);
  st.subject[0] = {
    name: `arx-chain:${TENANT}:2-5`,
    digest: { sha256: toHex(tree.root()), blake3: toHex(hashes[5]!) },
    annotations: { tenantId: TENANT, fromSeq: 2, toSeq: 5, treeSize: 6, previousHead: toHex(hashes[1]!) },
  };
  st.predicate.verification.tenant = { id: TENANT, slug: 'vectors', name: 'Vectors' };
}

interface Made {
  envelope: DsseEnvelope;
  statement: FidelityStatement;
}

/** A certificate signed by the "card", with the attestation (unless null) and the ML-DSA-87 signature (unless false). */
function certificate(
  o: { att?: DsseEnvelope | null; pq?: boolean; pqOver?: Uint8Array; edit?: (e: DsseEnvelope) => void } = {},
): Made {
  const st = sampleStatement();
  subject(st);
  st.predicate.reviewId = REVIEW_ID;
  Object.assign(st.predicate.reviewer, {
    operatorId: OPERATOR,
    edipi: EXPORTER.edipi,
    certificateSha256: sha256Hex(CARD),
    certificate: toBase64(CARD),
  });
  const att = o.att === undefined ? attestation() : o.att;
  if (att) st.predicate.reviewer.companionAttestation = att;
  const payload = fidelityPayload(st);
  const input = pae(FIDELITY_PAYLOAD_TYPE, payload);
  const sigs: { keyid: string; sig: Uint8Array }[] = [
    { keyid: sha256Hex(CARD), sig: p256.sign(input, derive('exporter-key'), { prehash: true, format: 'der' }) },
  ];
  if (o.pq !== false) sigs.push({ keyid: `mldsa87:${keys.keyId}`, sig: keys.signMlDsa87(o.pqOver ?? input) });
  const envelope = envelopeOf(FIDELITY_PAYLOAD_TYPE, payload, sigs);
  o.edit?.(envelope);
  return { envelope, statement: st };
}

const judge = (m: Made) => {
  const opened = openFidelityCertificate(m.envelope);
  if (!opened.ok) throw new Error(opened.message);
  return judgeReviewPq(opened.envelope, opened.statement, opened.signingInput, CARD);
};
const flipB64 = (s: string, at: number) => {
  const b = fromBase64(s)!;
  b[at]! ^= 1;
  return toBase64(b);
};

describe('ML-DSA-87 companion signature on a fidelity certificate', () => {
  it('verifies over the PAE the card signed, by the attested key', () => {
    expect(judge(certificate())).toEqual({ state: 'valid', code: null, message: null, keyId: keys.keyId });
  });

  it('a classical certificate is absent, not invalid; an attestation without a signature too', () => {
    expect(judge(certificate({ att: null, pq: false }))).toMatchObject({
      state: 'absent',
      code: 'REVIEW_PQ_SIGNATURE_MISSING',
    });
    expect(judge(certificate({ pq: false }))).toMatchObject({ state: 'absent', code: 'REVIEW_PQ_SIGNATURE_MISSING' });
  });

  it('a flipped bit, or a signature over other bytes: REVIEW_PQ_SIGNATURE_INVALID', () => {
    const flipped = certificate({ edit: (e) => (e.signatures[1]!.sig = flipB64(e.signatures[1]!.sig, 2000)) });
    expect(judge(flipped)).toMatchObject({ state: 'invalid', code: 'REVIEW_PQ_SIGNATURE_INVALID' });
    // A valid ML-DSA-87 signature by the attested key, over another statement's PAE.
    const other = certificate({ pqOver: pae(FIDELITY_PAYLOAD_TYPE, utf8('{"another":"statement"}')) });
    expect(judge(other)).toMatchObject({ state: 'invalid', code: 'REVIEW_PQ_SIGNATURE_INVALID' });
    // ... or over the payload itself instead of its PAE.
    const bare = certificate({ pqOver: fidelityPayload(certificate().statement) });
    expect(judge(bare)).toMatchObject({ state: 'invalid', code: 'REVIEW_PQ_SIGNATURE_INVALID' });
    // Two ML-DSA-87 signatures are not accepted either.
    const two = certificate({ edit: (e) => e.signatures.push({ ...e.signatures[1]! }) });
    expect(openFidelityCertificate(two.envelope).ok).toBe(false);
  });

  it('an attestation by another card or for another operator: REVIEW_PQ_ATTESTATION_OTHER_CARD', () => {
    const other = certificate({ att: attestation({ certDer: ctx.inputs.untrustedExporterDer }) });
    expect(judge(other)).toMatchObject({ state: 'invalid', code: 'REVIEW_PQ_ATTESTATION_OTHER_CARD' });
    const someoneElse = certificate({
      att: attestation({ edit: (a) => (a.operatorId = '5eed0000-0000-4000-8000-0000000000e9') }),
    });
    expect(judge(someoneElse)).toMatchObject({ state: 'invalid', code: 'REVIEW_PQ_ATTESTATION_OTHER_CARD' });
    // A signature with no attestation to judge it by.
    expect(judge(certificate({ att: null }))).toMatchObject({
      state: 'invalid',
      code: 'REVIEW_PQ_ATTESTATION_INVALID',
    });
  });

  it('the card signature comes first; a second one must be the ML-DSA-87 one', () => {
    const swapped = certificate({ edit: (e) => e.signatures.reverse() });
    expect(openFidelityCertificate(swapped.envelope)).toMatchObject({ ok: false });
    const foreign = certificate({ edit: (e) => (e.signatures[1]!.keyid = 'a'.repeat(64)) });
    expect(openFidelityCertificate(foreign.envelope)).toMatchObject({
      ok: false,
      code: 'REVIEW_ENVELOPE_INVALID',
      path: 'signatures.1.keyid',
    });
  });
});

describe('the console verification reports it apart (review.verify)', () => {
  // A session that may not read the tenant: the chain is not compared, no database is needed.
  const session = { operatorId: OPERATOR, edipi: EXPORTER.edipi, roles: [] } as unknown as OperatorSession;
  const deps = {
    pool: () => {
      throw new Error('no database in this test');
    },
    trustStore: () => ({ anchors: [], intermediates: [], crls: [] }),
    policy: { policyArcs: [], staleCrl: 'fail' as const },
  } as unknown as Parameters<typeof verifyCertificate>[0];
  const pqCheck = (v: Awaited<ReturnType<typeof verifyCertificate>>) => v.checks.find((c) => c.id === 'pq-signature');

  it('valid: a passing check and pq valid; a flipped bit fails the certificate with its own code', async () => {
    const good = await verifyCertificate(deps, session, certificate().envelope);
    expect(good.checks.find((c) => c.id === 'signature')?.status).toBe('pass');
    expect(pqCheck(good)).toMatchObject({ status: 'pass', code: null });
    expect(good.pq?.state).toBe('valid');
    const bad = await verifyCertificate(
      deps,
      session,
      certificate({ edit: (e) => (e.signatures[1]!.sig = flipB64(e.signatures[1]!.sig, 7)) }).envelope,
    );
    expect(bad.checks.find((c) => c.id === 'signature')?.status).toBe('pass');
    expect(pqCheck(bad)).toMatchObject({ status: 'fail', code: 'REVIEW_PQ_SIGNATURE_INVALID' });
    expect(bad.valid).toBe(false);
    // The card's signature flipped instead: REVIEW_SIGNATURE_INVALID, the ML-DSA-87 one still valid.
    const card = await verifyCertificate(
      deps,
      session,
      certificate({ edit: (e) => (e.signatures[0]!.sig = flipB64(e.signatures[0]!.sig, 12)) }).envelope,
    );
    expect(card.checks.find((c) => c.id === 'signature')).toMatchObject({ code: 'REVIEW_SIGNATURE_INVALID' });
    expect(pqCheck(card)?.status).toBe('pass');
  });

  it('stripped of its ML-DSA-87 signature: skipped, but failed when a PQ signature is required', async () => {
    const stripped = certificate({ edit: (e) => e.signatures.pop() });
    const lax = await verifyCertificate(deps, session, stripped.envelope);
    expect(pqCheck(lax)).toMatchObject({ status: 'skipped', code: 'REVIEW_PQ_SIGNATURE_MISSING' });
    expect(lax.checks.filter((c) => c.status === 'fail').map((c) => c.id)).not.toContain('pq-signature');
    const strict = await verifyCertificate(deps, session, stripped.envelope, { requirePq: true });
    expect(pqCheck(strict)).toMatchObject({ status: 'fail', code: 'REVIEW_PQ_SIGNATURE_MISSING' });
    expect(strict.valid).toBe(false);
  });
});

describe('arx bundle verify judges each fidelity certificate apart (--require-pq)', () => {
  const trustDir = join(DIR, 'trust');
  const trust = loadBundleTrust(trustDir);
  /** The model's bundle with the certificate as review-<id>.json before the certificates (its signer carried). */
  function bundle(m: Made): string {
    const review = { id: REVIEW_ID, signerId: OPERATOR, fromSeq: 2, toSeq: 5, createdAt: '2026-11-03T11:00:00.000Z' };
    const members = ctx.members({
      body: (b: Member[]) => {
        const i = b.findIndex((x) => x.name.startsWith('cert-'));
        const certs = [
          ...b.filter((x) => x.name.startsWith('cert-')),
          { name: `cert-${sha256Hex(CARD)}.der`, data: CARD },
        ];
        certs.sort((x, y) => (x.name < y.name ? -1 : 1));
        const rest = b.slice(i + certs.length - 1);
        const member = {
          name: `review-${REVIEW_ID}.json`,
          data: utf8(JSON.stringify({ ...review, envelope: m.envelope })),
        };
        return [...b.slice(0, i), member, ...certs, ...rest];
      },
    });
    const file = join(tmp, `r-${Math.random().toString(36).slice(2)}.arxbundle`);
    writeFileSync(file, writeTar(members));
    return file;
  }
  const verify = (file: string) => verifyBundle(file, { trust, blake3: nobleBlake3, hashWorker: false });
  async function cli(args: string[]): Promise<{ code: number; out: string }> {
    const out: string[] = [];
    const code = await bundleVerify.run(args, {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      readStdin: async () => '',
      env: {},
    });
    return { code, out: out.join('\n') };
  }

  it('valid: reported per certificate; the classical checks hold', async () => {
    const r = await verify(bundle(certificate()));
    expect(r.fatal).toBeNull();
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.summary.reviews).toBe(1);
    expect(r.ok).toBe(true);
    expect(r.pqReviews).toEqual([
      {
        state: 'valid',
        code: null,
        message: null,
        keyId: keys.keyId,
        id: REVIEW_ID,
        member: `review-${REVIEW_ID}.json`,
      },
    ]);
  });

  it('a flipped bit fails the bundle with REVIEW_PQ_SIGNATURE_INVALID; the card signature still verifies', async () => {
    const file = bundle(certificate({ edit: (e) => (e.signatures[1]!.sig = flipB64(e.signatures[1]!.sig, 99)) }));
    const r = await verify(file);
    expect(r.checks.find((c) => c.id === 'certificates')?.findings).toEqual([]);
    expect(r.pqReviews?.[0]).toMatchObject({ state: 'invalid', code: 'REVIEW_PQ_SIGNATURE_INVALID' });
    expect(r.ok).toBe(false);
    const run = await cli([file, '--trust', trustDir]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      /✗ Post-quantum \(ML-DSA-87\) signature on fidelity certificate .*REVIEW_PQ_SIGNATURE_INVALID/,
    );
  });

  it('--require-pq fails a stripped certificate and one attested by another card', async () => {
    const stripped = bundle(certificate({ edit: (e) => e.signatures.pop() }));
    const r = await verify(stripped);
    expect(r.pqReviews?.[0]).toMatchObject({ state: 'absent', code: 'REVIEW_PQ_SIGNATURE_MISSING' });
    const run = await cli([stripped, '--trust', trustDir, '--require-pq']);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/NOT POST-QUANTUM VERIFIED \(--require-pq\) — REVIEW_PQ_SIGNATURE_MISSING/);
    const other = bundle(certificate({ att: attestation({ certDer: ctx.inputs.untrustedExporterDer }) }));
    const ro = await verify(other);
    expect(ro.pqReviews?.[0]).toMatchObject({ state: 'invalid', code: 'REVIEW_PQ_ATTESTATION_OTHER_CARD' });
    expect(ro.ok).toBe(false);
  });
});
