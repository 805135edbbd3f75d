import { z } from 'zod';
import { fromBase64, toBase64 } from '../bytes';

/**
 * DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse v1.0) — the envelope every signed
 * artifact of the console uses: policy-version signatures, fidelity certificates (in-toto
 * Statement v1 payloads) and bundle manifests. Hand-written because it is 20 lines of spec (the
 * PAE below) and the npm implementations pull in Node-only crypto; signing and verification stay
 * with the caller (the card signs in main; verifiers use node:crypto or WebCrypto).
 *
 * Signature input: PAE(payloadType, payload) =
 *   "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN as ASCII decimal byte lengths.
 */
export const DSSE_PAYLOAD_TYPE_INTOTO = 'application/vnd.in-toto+json';

export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const enc = new TextEncoder();
  const type = enc.encode(payloadType);
  const head = enc.encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}

const B64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'standard base64');

export const DsseSignatureSchema = z
  .object({
    /** Key id: here the SHA-256 (hex) of the signer's certificate. */
    keyid: z.string().max(128),
    /** base64 of the signature: DER ECDSA-Sig-Value for EC keys, the RSA signature otherwise. */
    sig: B64,
  })
  .strict();

export const DsseEnvelopeSchema = z
  .object({
    payloadType: z.string().min(1).max(256),
    /** base64 of the payload bytes (the exact bytes that were signed, inside PAE). */
    payload: B64,
    signatures: z.array(DsseSignatureSchema).min(1).max(16),
  })
  .strict();
export type DsseEnvelope = z.infer<typeof DsseEnvelopeSchema>;

export function envelopeOf(
  payloadType: string,
  payload: Uint8Array,
  signatures: { keyid: string; sig: Uint8Array }[],
): DsseEnvelope {
  return {
    payloadType,
    payload: toBase64(payload),
    signatures: signatures.map((s) => ({ keyid: s.keyid, sig: toBase64(s.sig) })),
  };
}

/** The payload bytes and the PAE that each signature must verify over; undefined when the base64 is not canonical. */
export function openEnvelope(env: DsseEnvelope): { payload: Uint8Array; signingInput: Uint8Array } | undefined {
  const payload = fromBase64(env.payload);
  if (!payload) return undefined;
  return { payload, signingInput: pae(env.payloadType, payload) };
}
