import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPANION_ATTESTATION_MEMBER, type BundleReport } from '../../../shared/bundle';
import { fromBase64, toBase64, utf8 } from '../../../shared/bytes';
import { nobleBlake3 } from '../../../shared/chain';
import {
  COMPANION_ATTESTATION_PAYLOAD_TYPE,
  attestationBytes,
  newAttestation,
  type CompanionAttestation,
} from '../../../shared/companion';
import { envelopeOf, pae } from '../../../shared/dsse';
import { CompanionKeys } from '../../../electron/main/companion/companion-keys';
import { loadBundleTrust } from '../../../electron/main/bundle/trust';
import { verifyBundle } from '../../../electron/main/bundle/verify';
import { bundleVerify } from '../../../electron/main/cli/bundle-commands';
import { EXPORTER } from '../../vectors/pki';
import { context, derive, writeTar, type Json } from '../../vectors/vectors';
import { sha256Hex, type Member } from '../../vectors/model';

/**
 * The ML-DSA-87 companion signature on a bundle manifest (docs/bundle-format.md §11), on the
 * conformance model's bundle (docs/conformance: its committed PKI; the "card" is its P-256
 * exporter key, signing RFC 6979): the classical and post-quantum results apart, --require-pq, and
 * a code of its own for a missing PQ signature, a flipped bit in either signature, and an
 * attestation made by another card.
 */
const DIR = join(process.cwd(), 'docs/conformance');
const ctx = context(DIR);
const trust = loadBundleTrust(join(DIR, 'trust'));
const tmp = mkdtempSync(join(tmpdir(), 'arx-pq-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const keys = new CompanionKeys(Uint8Array.from({ length: 64 }, (_, i) => 255 - i));
const OPERATOR = '5eed0000-0000-4000-8000-0000000000e1';

function attestation(o: { certDer?: Uint8Array; key?: Uint8Array; edit?: (a: CompanionAttestation) => void } = {}) {
  const certSha = sha256Hex(o.certDer ?? ctx.inputs.exporterDer);
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
  const sig = p256.sign(pae(COMPANION_ATTESTATION_PAYLOAD_TYPE, payload), o.key ?? derive('exporter-key'), {
    prehash: true,
    format: 'der',
  });
  return envelopeOf(COMPANION_ATTESTATION_PAYLOAD_TYPE, payload, [{ keyid: certSha, sig }]);
}

/** The model's bundle with the attestation member (unless null) and the ML-DSA-87 signature (unless `pq` false). */
function bundle(o: { att?: unknown; pq?: boolean; envelope?: (e: Json) => void } = {}): string {
  const att = o.att === undefined ? attestation() : o.att;
  const members: Member[] = ctx.members({
    body: (b) => (att === null ? b : [...b, { name: COMPANION_ATTESTATION_MEMBER, data: utf8(JSON.stringify(att)) }]),
    seal: {
      envelope: (e: Json) => {
        if (o.pq !== false) {
          const input = pae(e.payloadType, fromBase64(e.payload)!);
          e.signatures.push({ keyid: `mldsa87:${keys.keyId}`, sig: toBase64(keys.signMlDsa87(input)) });
        }
        o.envelope?.(e);
      },
    },
  });
  const file = join(tmp, `b-${Math.random().toString(36).slice(2)}.arxbundle`);
  writeFileSync(file, writeTar(members));
  return file;
}

const verify = (file: string) => verifyBundle(file, { trust, blake3: nobleBlake3, hashWorker: false });
const classical = (r: BundleReport) => r.checks.find((c) => c.id === 'manifest-signature')!;
const flipB64 = (s: string, at: number) => {
  const b = fromBase64(s)!;
  b[at]! ^= 1;
  return toBase64(b);
};

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await bundleVerify.run(args, {
    out: (t) => out.push(t),
    err: () => {},
    readStdin: async () => '',
    env: {},
  });
  return { code, out: out.join('\n') };
}

describe('ML-DSA-87 companion signature on the manifest', () => {
  it('verifies: classical and post-quantum both valid, --require-pq passes', async () => {
    const file = bundle();
    const r = await verify(file);
    expect(r.fatal).toBeNull();
    expect(classical(r).ok).toBe(true);
    expect(r.pq).toEqual({ state: 'valid', code: null, message: null, keyId: keys.keyId });
    expect(r.ok).toBe(true);
    const run = await cli([file, '--trust', join(DIR, 'trust'), '--require-pq']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Classical \(card\) signature: valid/);
    expect(run.out).toMatch(/Post-quantum \(ML-DSA-87\) signature: valid/);
  });

  it('a classically signed bundle verifies, but fails --require-pq with BUNDLE_PQ_SIGNATURE_MISSING', async () => {
    const file = bundle({ att: null, pq: false });
    const r = await verify(file);
    expect(r.ok).toBe(true);
    expect(r.pq).toMatchObject({ state: 'absent', code: 'BUNDLE_PQ_SIGNATURE_MISSING' });
    expect((await cli([file, '--trust', join(DIR, 'trust')])).code).toBe(0);
    const run = await cli([file, '--trust', join(DIR, 'trust'), '--require-pq']);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/BUNDLE_PQ_SIGNATURE_MISSING/);
    // An attestation without the signature is no post-quantum signature either.
    expect((await verify(bundle({ pq: false }))).pq).toMatchObject({ code: 'BUNDLE_PQ_SIGNATURE_MISSING' });
  });

  it('a flipped bit in the ML-DSA-87 signature: BUNDLE_PQ_SIGNATURE_INVALID, the classical one still valid', async () => {
    const r = await verify(bundle({ envelope: (e) => (e.signatures[1].sig = flipB64(e.signatures[1].sig, 1000)) }));
    expect(classical(r).ok).toBe(true);
    expect(r.pq).toMatchObject({ state: 'invalid', code: 'BUNDLE_PQ_SIGNATURE_INVALID' });
    expect(r.ok).toBe(false);
    const run = await cli([
      bundle({ envelope: (e) => (e.signatures[1].sig = flipB64(e.signatures[1].sig, 9)) }),
      '--trust',
      join(DIR, 'trust'),
    ]);
    expect(run.code).toBe(1);
  });

  it('a flipped bit in the card signature: MANIFEST_SIGNATURE_INVALID, the ML-DSA-87 one still valid', async () => {
    const r = await verify(bundle({ envelope: (e) => (e.signatures[0].sig = flipB64(e.signatures[0].sig, 10)) }));
    expect(classical(r).findings.map((f) => f.code)).toEqual(['MANIFEST_SIGNATURE_INVALID']);
    expect(r.pq?.state).toBe('valid');
    expect(r.ok).toBe(false);
  });

  it('an attestation made by another card: BUNDLE_PQ_ATTESTATION_OTHER_CARD; forged or missing: BUNDLE_PQ_ATTESTATION_INVALID', async () => {
    // Another certificate (same person, another CA) attested the companion key.
    const other = await verify(bundle({ att: attestation({ certDer: ctx.inputs.untrustedExporterDer }) }));
    expect(other.pq).toMatchObject({ state: 'invalid', code: 'BUNDLE_PQ_ATTESTATION_OTHER_CARD' });
    expect(classical(other).ok).toBe(true);
    const otherOperator = await verify(
      bundle({ att: attestation({ edit: (a) => (a.operatorId = '5eed0000-0000-4000-8000-0000000000e2') }) }),
    );
    expect(otherOperator.pq).toMatchObject({ code: 'BUNDLE_PQ_ATTESTATION_OTHER_CARD' });
    // Names the exporter's certificate but signed by another key.
    const forged = await verify(bundle({ att: attestation({ key: derive('other-exporter-key') }) }));
    expect(forged.pq).toMatchObject({ state: 'invalid', code: 'BUNDLE_PQ_ATTESTATION_INVALID' });
    const missing = await verify(bundle({ att: null }));
    expect(missing.pq).toMatchObject({ state: 'invalid', code: 'BUNDLE_PQ_ATTESTATION_INVALID' });
    // Another companion key than the one the signature names.
    const otherKeys = new CompanionKeys(new Uint8Array(64).fill(9));
    const swapped = await verify(
      bundle({
        att: attestation({
          edit: (a) => {
            const fresh = newAttestation({
              ...a,
              createdAt: new Date(a.createdAt),
              ed25519: otherKeys.ed25519Public,
              mlDsa87: otherKeys.mlDsa87Public,
            });
            Object.assign(a, { keyId: fresh.keyId, keys: fresh.keys });
          },
        }),
      }),
    );
    expect(swapped.pq).toMatchObject({ state: 'invalid', code: 'BUNDLE_PQ_SIGNATURE_INVALID' });
    const run = await cli([
      bundle({ att: attestation({ certDer: ctx.inputs.untrustedExporterDer }) }),
      '--trust',
      join(DIR, 'trust'),
      '--require-pq',
    ]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/BUNDLE_PQ_ATTESTATION_OTHER_CARD/);
  });

  it('verify.sh checks the card signature of a PQ-signed bundle and says the ML-DSA-87 one is not checked', () => {
    const run = (file: string) =>
      spawnSync('sh', [join(process.cwd(), 'docs/verify.sh'), file, join(DIR, 'trust')], { encoding: 'utf8' });
    const good = run(bundle());
    expect(good.stdout).toMatch(/^NOTE manifest-pq-signature: an ML-DSA-87 signature is present, not checked here/m);
    expect(good.stdout).toMatch(/^OK   manifest-signature: verified with manifest-signer.der$/m);
    expect(good.stdout.trim().split('\n').at(-1)).toBe('VERIFIED: every check holds');
    expect(good.status).toBe(0);
    // The card's signature is still what it checks: flipped, it fails.
    const bad = run(bundle({ envelope: (e) => (e.signatures[0].sig = flipB64(e.signatures[0].sig, 10)) }));
    expect(bad.stdout).toMatch(/^FAIL manifest-signature/m);
    expect(bad.status).toBe(1);
    // Only the ML-DSA-87 keyid form may follow the card's signature.
    const third = run(bundle({ envelope: (e) => e.signatures.push({ keyid: 'a'.repeat(64), sig: 'AAAA' }) }));
    expect(third.stdout).toMatch(/^FAIL manifest-envelope/m);
  }, 60_000);
});
