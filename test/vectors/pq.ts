import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { COMPANION_ATTESTATION_MEMBER } from '../../shared/bundle';
import { concatBytes, fromBase64, toBase64, utf8 } from '../../shared/bytes';
import {
  COMPANION_ATTESTATION_PAYLOAD_TYPE,
  attestationBytes,
  companionKeyId,
  newAttestation,
} from '../../shared/companion';
import { envelopeOf, pae } from '../../shared/dsse';
import { derive, sha256Hex, type Inputs, type Member } from './model';
import { EXPORTER } from './pki';

/**
 * The exporter's companion key for the vectors (docs/bundle-format.md §11): ML-DSA-87 from a
 * seed-derived ξ, signing deterministically (FIPS 204 §3.4, no fresh randomness) so that
 * regenerating reproduces the bytes; its attestation signed like the manifest (RFC 6979 P-256).
 */
const ED25519 = ed25519.getPublicKey(derive('companion-ed25519'));
const ML_DSA = ml_dsa87.keygen(derive('companion-ml-dsa-87'));
export const COMPANION_KEY_ID = companionKeyId(ED25519, ML_DSA.publicKey);
const OPERATOR = '5eed0000-0000-4000-8000-0000000000e1';

/** The companion key's deterministic ML-DSA-87 signature (FIPS 204 §3.4) over `input`. */
export const pqSign = (input: Uint8Array) => ml_dsa87.sign(input, ML_DSA.secretKey, { extraEntropy: false });

/** The attestation envelope: by the exporter's certificate, or naming (and keyed to) `certDer`. */
export function vectorAttestation(inputs: Inputs, certDer: Uint8Array = inputs.exporterDer) {
  const certSha = sha256Hex(certDer);
  const st = newAttestation({
    createdAt: new Date('2026-12-01T12:00:00.000Z'),
    edipi: EXPORTER.edipi,
    operatorId: OPERATOR,
    keyManagementCertificateSha256: sha256Hex(derive('key-management-certificate')),
    signingCertificateSha256: certSha,
    ed25519: ED25519,
    mlDsa87: ML_DSA.publicKey,
    replaces: null,
  });
  const payload = attestationBytes(st);
  const sig = p256.sign(pae(COMPANION_ATTESTATION_PAYLOAD_TYPE, payload), derive('exporter-key'), {
    prehash: true,
    format: 'der',
  });
  return envelopeOf(COMPANION_ATTESTATION_PAYLOAD_TYPE, payload, [{ keyid: certSha, sig }]);
}

/** The body with the attestation as its last listed member. */
export const withAttestation = (att: unknown) => (b: Member[]) => [
  ...b,
  { name: COMPANION_ATTESTATION_MEMBER, data: utf8(JSON.stringify(att)) },
];

/** Adds the ML-DSA-87 signature to the sealed envelope; `tamper` may change its bytes. */
export const withPqSignature =
  (tamper: (sig: Uint8Array) => Uint8Array = (s) => s) =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (e: any) => {
    const input = pae(e.payloadType, fromBase64(e.payload)!);
    const sig = pqSign(input);
    e.signatures.push({ keyid: `mldsa87:${COMPANION_KEY_ID}`, sig: toBase64(tamper(concatBytes(sig))) });
  };
