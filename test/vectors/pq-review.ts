import { p256 } from '@noble/curves/nist.js';
import { concatBytes, toBase64, toHex, utf8 } from '../../shared/bytes';
import { ChainBuilder, nobleBlake3 } from '../../shared/chain';
import { envelopeOf, pae } from '../../shared/dsse';
import { MerkleTree } from '../../shared/merkle';
import { FIDELITY_PAYLOAD_TYPE, fidelityPayload, type FidelityStatement } from '../../shared/review';
import { TENANT, chainEvents, derive, sha256Hex, type Inputs, type Member } from './model';
import { EXPORTER } from './pki';
import { COMPANION_KEY_ID, pqSign, vectorAttestation } from './pq';

/**
 * A fidelity certificate for the model's range (seq 2 … 5) reviewed and signed by the exporter's
 * card, with their ML-DSA-87 companion signature (docs/fidelity-certificates.md): the subject is
 * the model chain's own digests, so only the post-quantum result can differ between vectors.
 */
const REVIEW_ID = '5eed0000-0000-4000-8000-0000000000c3';
const OPERATOR = '5eed0000-0000-4000-8000-0000000000e1';

function statement(inputs: Inputs, attCert: Uint8Array): FidelityStatement {
  const b = new ChainBuilder(nobleBlake3, { tenantId: TENANT });
  const hashes = chainEvents().map((e) => b.append(e).hash);
  const tree = new MerkleTree();
  for (const h of hashes) tree.append(h);
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [
      {
        name: `arx-chain:${TENANT}:2-5`,
        digest: { sha256: toHex(tree.root()), blake3: toHex(hashes[5]!) },
        annotations: { tenantId: TENANT, fromSeq: 2, toSeq: 5, treeSize: 6, previousHead: toHex(hashes[1]!) },
      },
    ],
    predicateType: 'https://arx.invalid/fidelity-certificate/v1',
    predicate: {
      reviewId: REVIEW_ID,
      reviewedAt: '2026-11-03T11:00:00.000000Z',
      reviewer: {
        operatorId: OPERATOR,
        edipi: EXPORTER.edipi,
        displayName: `${EXPORTER.last}.${EXPORTER.first}.${EXPORTER.middle}.${EXPORTER.edipi}`,
        certificateSha256: sha256Hex(inputs.exporterDer),
        certificate: toBase64(inputs.exporterDer),
        roles: ['isso'],
        companionAttestation: vectorAttestation(inputs, attCert),
      },
      verification: {
        tenant: { id: TENANT, slug: 'vectors', name: 'Vectors' },
        verdict: 'intact',
        range: { kind: 'seq', fromSeq: 2, toSeq: 5, fromTime: null, toTime: null },
        counts: {
          events: 4,
          bytes: 0,
          errors: 0,
          warnings: 0,
          omitted: 0,
          checkpointsTotal: 2,
          checkpointsVerified: 2,
          policyVersionsChecked: 0,
        },
        firstSeq: 2,
        lastSeq: 5,
        head: { size: 6, hashBlake3: toHex(hashes[5]!) },
        checkpoint: null,
        tail: null,
        problems: [],
        documents: 'checked',
        startedAt: '2026-11-03T10:59:00.000Z',
        finishedAt: '2026-11-03T10:59:01.000Z',
        durationMs: 1000,
        engine: { format: 'arx-chain-v1', blake3: 'hash-wasm', workers: 1 },
      },
      decisions: null,
      policyVersions: [],
      verdict: 'intact',
    },
  };
}

/**
 * Adds the certificate as review-<id>.json before the certificates (the exporter's certificate
 * carried as its signer's): card signature (RFC 6979) then the ML-DSA-87 one, which `tamper` may
 * change; the attestation names and is keyed to `attCert` (default: the exporter's own).
 */
export const withPqReview =
  (inputs: Inputs, o: { tamper?: (sig: Uint8Array) => Uint8Array; attCert?: Uint8Array } = {}) =>
  (b: Member[]): Member[] => {
    const payload = fidelityPayload(statement(inputs, o.attCert ?? inputs.exporterDer));
    const input = pae(FIDELITY_PAYLOAD_TYPE, payload);
    const card = p256.sign(input, derive('exporter-key'), { prehash: true, format: 'der' });
    const pq = (o.tamper ?? ((x) => x))(concatBytes(pqSign(input)));
    const envelope = envelopeOf(FIDELITY_PAYLOAD_TYPE, payload, [
      { keyid: sha256Hex(inputs.exporterDer), sig: card },
      { keyid: `mldsa87:${COMPANION_KEY_ID}`, sig: pq },
    ]);
    const review = { id: REVIEW_ID, signerId: OPERATOR, fromSeq: 2, toSeq: 5, createdAt: '2026-11-03T11:00:00.000Z' };
    const member = { name: `review-${REVIEW_ID}.json`, data: utf8(JSON.stringify({ ...review, envelope })) };
    const i = b.findIndex((m) => m.name.startsWith('cert-'));
    const certs = b.filter((m) => m.name.startsWith('cert-'));
    certs.push({ name: `cert-${sha256Hex(inputs.exporterDer)}.der`, data: inputs.exporterDer });
    certs.sort((x, y) => (x.name < y.name ? -1 : 1));
    return [...b.slice(0, i), member, ...certs, ...b.slice(i + certs.length - 1)];
  };
