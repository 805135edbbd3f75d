import canonicalize from 'canonicalize';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, fromBase64, toBase64, toHex, utf8 } from '../bytes';
import { DsseEnvelopeSchema, openEnvelope, type DsseEnvelope } from '../dsse';

/**
 * Companion keys (docs/companion-keys.md): an operator's Ed25519 and ML-DSA-87 keys, whose private
 * halves only their card's Key Management key (9D) unwraps, bound to the operator by a "key
 * attestation" their card's Digital Signature key (9C) signs. Pure: the signature checks and the
 * card are the caller's.
 */

export const COMPANION_ATTESTATION_PAYLOAD_TYPE = 'application/vnd.arx.companion-key-attestation+json';
export const COMPANION_ATTESTATION_TYPE = 'arx.companion-key-attestation/v1';
/** FIPS 204 ML-DSA-87 sizes. */
export const ML_DSA_87_PUBLIC_KEY_BYTES = 2592;
export const ML_DSA_87_SIGNATURE_BYTES = 4627;
export const ED25519_PUBLIC_KEY_BYTES = 32;

/** The statement the card signs (RFC 8785 JSON; keys below in their canonical order). */
export interface CompanionAttestation {
  _type: typeof COMPANION_ATTESTATION_TYPE;
  /** ISO 8601, UTC, milliseconds. */
  createdAt: string;
  edipi: string;
  /** SHA-256 (hex) of the Key Management (9D) certificate the private halves are wrapped to. */
  keyManagementCertificateSha256: string;
  keyId: string;
  keys: { ed25519: string; mlDsa87: string };
  operatorId: string;
  /** The key this one replaces (a rotation), or null. */
  replaces: string | null;
  /** SHA-256 (hex) of the Digital Signature (9C) certificate that signs this statement (the DSSE keyid). */
  signingCertificateSha256: string;
}

const KEY_ID_DOMAIN = utf8('arx companion key v1\n');

/** The key id: SHA-256 over "arx companion key v1\n" ‖ Ed25519 public key (32) ‖ ML-DSA-87 public key (2592), hex. */
export function companionKeyId(ed25519: Uint8Array, mlDsa87: Uint8Array): string {
  return toHex(sha256(concatBytes(KEY_ID_DOMAIN, ed25519, mlDsa87)));
}

/** The statement's payload bytes: RFC 8785 (JCS) JSON, UTF-8. */
export function attestationBytes(a: CompanionAttestation): Uint8Array {
  return utf8(canonicalize(a)!);
}

export function newAttestation(p: {
  createdAt: Date;
  edipi: string;
  operatorId: string;
  keyManagementCertificateSha256: string;
  signingCertificateSha256: string;
  ed25519: Uint8Array;
  mlDsa87: Uint8Array;
  replaces: string | null;
}): CompanionAttestation {
  return {
    _type: COMPANION_ATTESTATION_TYPE,
    createdAt: p.createdAt.toISOString(),
    edipi: p.edipi,
    keyManagementCertificateSha256: p.keyManagementCertificateSha256,
    keyId: companionKeyId(p.ed25519, p.mlDsa87),
    keys: { ed25519: toBase64(p.ed25519), mlDsa87: toBase64(p.mlDsa87) },
    operatorId: p.operatorId,
    replaces: p.replaces,
    signingCertificateSha256: p.signingCertificateSha256,
  };
}

export type AttestationProblem =
  'COMPANION_ATTESTATION_INVALID' | 'COMPANION_ATTESTATION_OTHER_CARD' | 'COMPANION_ATTESTATION_SIGNATURE_INVALID';

export interface OpenedAttestation {
  statement: CompanionAttestation;
  ed25519: Uint8Array;
  mlDsa87: Uint8Array;
  /** The PAE the card's signature covers. */
  signingInput: Uint8Array;
  /** The card's signature (keyid = signingCertificateSha256). */
  signature: Uint8Array;
}

const HEX64 = /^[0-9a-f]{64}$/;

function statementOf(payload: Uint8Array): CompanionAttestation | null {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return null;
  }
  const a = v as CompanionAttestation;
  if (!a || typeof a !== 'object' || a._type !== COMPANION_ATTESTATION_TYPE) return null;
  const strings = [a.createdAt, a.edipi, a.operatorId, a.keys?.ed25519, a.keys?.mlDsa87];
  if (strings.some((s) => typeof s !== 'string')) return null;
  const hexes = [a.keyId, a.keyManagementCertificateSha256, a.signingCertificateSha256];
  if (hexes.some((h) => typeof h !== 'string' || !HEX64.test(h))) return null;
  if (a.replaces !== null && (typeof a.replaces !== 'string' || !HEX64.test(a.replaces))) return null;
  // Only the canonical bytes of exactly these members are a statement (no extra or reordered keys).
  const canonical = attestationBytes(a);
  if (canonical.length !== payload.length || !canonical.every((b, i) => b === payload[i])) return null;
  return a;
}

/**
 * Opens an attestation envelope issued for `signerSha256` (the 9C certificate expected to sign
 * it): its statement and public keys, or the problem. The card's signature itself is checked by
 * the caller over `signingInput` (node:crypto or WebCrypto).
 */
export function openAttestation(
  envelope: unknown,
  signerSha256: string,
): { ok: true; value: OpenedAttestation } | { ok: false; code: AttestationProblem; message: string } {
  const bad = (code: AttestationProblem, message: string) => ({ ok: false as const, code, message });
  const env = DsseEnvelopeSchema.safeParse(envelope);
  if (!env.success || env.data.payloadType !== COMPANION_ATTESTATION_PAYLOAD_TYPE)
    return bad('COMPANION_ATTESTATION_INVALID', 'not a companion key attestation envelope');
  const opened = openEnvelope(env.data as DsseEnvelope);
  const statement = opened ? statementOf(opened.payload) : null;
  if (!opened || !statement) return bad('COMPANION_ATTESTATION_INVALID', 'the attestation statement is malformed');
  const ed25519 = fromBase64(statement.keys.ed25519);
  const mlDsa87 = fromBase64(statement.keys.mlDsa87);
  if (ed25519?.length !== ED25519_PUBLIC_KEY_BYTES || mlDsa87?.length !== ML_DSA_87_PUBLIC_KEY_BYTES)
    return bad('COMPANION_ATTESTATION_INVALID', 'the attested public keys have the wrong sizes');
  if (companionKeyId(ed25519, mlDsa87) !== statement.keyId)
    return bad('COMPANION_ATTESTATION_INVALID', 'the key id is not that of the attested public keys');
  if (statement.signingCertificateSha256 !== signerSha256)
    return bad('COMPANION_ATTESTATION_OTHER_CARD', 'the attestation was made for another signing certificate');
  const sig = env.data.signatures.find((s) => s.keyid === signerSha256);
  const signature = sig ? fromBase64(sig.sig) : undefined;
  if (!signature) return bad('COMPANION_ATTESTATION_OTHER_CARD', 'the attestation carries no signature by that card');
  return { ok: true, value: { statement, ed25519, mlDsa87, signingInput: opened.signingInput, signature } };
}
