/**
 * The certificates on a card: what each is for (PIV/CAC role), its fingerprint and public key,
 * and which one logs in.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { ArxFailure } from '../../../shared/contract';
import type { ObjectView } from './pkcs11-protocol';
import { LOGIN_ROLES, PIV_KEY_REFERENCE, roleOf, type CardObjectRole } from './piv-objects';

/** Certificates whose key decrypts / agrees keys: PIV Key Management (9D), or CAC Email Encryption. */
export const KEY_MANAGEMENT_ROLES: readonly CardObjectRole[] = ['key-management', 'cac-email-encryption'];

export interface CardCertificate {
  id: string;
  label: string;
  role: CardObjectRole;
  /** PIV key reference (9A, 9C, 9D, 9E) when the role has one. */
  keyReference: string | null;
  der: Uint8Array;
  subject: string;
  /** SHA-256 of the DER, hex. */
  fingerprint: string;
}

export function describeCert(obj: ObjectView): CardCertificate {
  const der = obj.value ?? new Uint8Array();
  const role = roleOf(obj.label, obj.id);
  let subject = '';
  try {
    subject = new X509Certificate(der).subject;
  } catch {
    subject = '(unparseable certificate)';
  }
  return {
    id: obj.id,
    label: obj.label,
    role,
    keyReference: PIV_KEY_REFERENCE[role] ?? null,
    der,
    subject,
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

export function publicKeyOf(cert: CardCertificate): KeyObject {
  try {
    return new X509Certificate(cert.der).publicKey;
  } catch {
    throw new ArxFailure(
      'CARD_CERT_INVALID',
      `The certificate "${cert.label}" (id ${cert.id}) on the card cannot be parsed.`,
      { id: cert.id },
    );
  }
}

export function mismatch(cert: CardCertificate): ArxFailure {
  return new ArxFailure(
    'CARD_KEY_MISMATCH',
    `The certificate "${cert.label}" (id ${cert.id}, ${cert.subject}) does not belong to the key on the card: the proof of possession failed.`,
    { id: cert.id, fingerprint: cert.fingerprint },
  );
}

export function pickLoginCertificate(certs: CardCertificate[], wanted: string | undefined): CardCertificate {
  const candidates = certs.filter((c) => LOGIN_ROLES.includes(c.role));
  if (wanted !== undefined) {
    const found = candidates.find((c) => c.id === wanted);
    if (!found)
      throw new ArxFailure('CARD_CERT_MISSING', `The card has no login certificate with id ${wanted}.`, { id: wanted });
    return found;
  }
  if (candidates.length === 0)
    throw new ArxFailure('CARD_CERT_MISSING', 'The card has no PIV Authentication or CAC ID certificate.');
  if (candidates.length > 1) {
    throw new ArxFailure('CARD_CERT_AMBIGUOUS', 'Several certificates on the card can log in: choose one.', {
      candidates: candidates.map((c) => ({ id: c.id, label: c.label, subject: c.subject })),
    });
  }
  return candidates[0]!;
}
