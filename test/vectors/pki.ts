// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { createTestPki, issueCardCertificate, issueCrl } from '../../electron/main/pki/test-pki';

/** SubjectPublicKeyInfo of an uncompressed P-256 point (RFC 5480). */
export function p256Spki(point: Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
  return new Uint8Array(Buffer.concat([prefix, point]));
}

export const EXPORTER = { last: 'VECTOR', first: 'EXPORTER', middle: 'X', edipi: '1000000099' };

/**
 * A fresh test PKI for the vectors (root, intermediate, the exporter's PIV Digital Signature
 * certificate for the seed-derived P-256 key, CRLs valid for ten years). The CA keys' signatures
 * come from WebCrypto, which is randomised, so this is run once and its output committed; the
 * bundles are then generated deterministically from it.
 */
export async function writeVectorPki(dir: string, exporterKey: Uint8Array): Promise<void> {
  const now = new Date();
  const pki = await createTestPki(now);
  const cert = await issueCardCertificate(pki, {
    person: EXPORTER,
    usage: 'signature',
    case: 'good',
    publicKey: p256Spki(p256.getPublicKey(exporterKey, false)),
    keyType: 'ec',
    now,
  });
  const nextUpdate = new Date(now.getTime() + 3650 * 86_400_000);
  const rootCrl = await issueCrl(pki.root, [], { nextUpdate });
  const idCrl = await issueCrl(pki.intermediate, [], { nextUpdate });
  for (const d of ['trust/anchors', 'trust/crls', 'inputs']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'trust/anchors/arx-test-root-ca-1.pem'), `${pki.root.cert.toString('pem')}\n`);
  writeFileSync(join(dir, 'trust/crls/arx-test-root-ca-1.crl'), new Uint8Array(rootCrl.rawData));
  writeFileSync(join(dir, 'trust/crls/arx-test-id-ca-1.crl'), new Uint8Array(idCrl.rawData));
  writeFileSync(join(dir, 'trust/policy-arcs.txt'), `${pki.policyArc}\n`);
  writeFileSync(join(dir, 'inputs/intermediate.der'), new Uint8Array(pki.intermediate.cert.rawData));
  writeFileSync(join(dir, 'inputs/exporter.der'), new Uint8Array(cert.rawData));
  const rogue = await issueCardCertificate(pki, {
    person: EXPORTER,
    usage: 'signature',
    case: 'untrusted',
    publicKey: p256Spki(p256.getPublicKey(exporterKey, false)),
    keyType: 'ec',
    now,
  });
  writeFileSync(join(dir, 'inputs/exporter-untrusted.der'), new Uint8Array(rogue.rawData));
  writeFileSync(join(dir, 'inputs/untrusted-root.der'), new Uint8Array(pki.untrustedRoot.cert.rawData));
}
