/**
 * Who an envelope is sealed to and who opens it: recipients from their certificate (the card's
 * key-management key, 9D) or the organisation recovery key, each with an optional ML-KEM-1024
 * public key in the same PEM file; openers from a logged-in card or the recovery private key.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { ArxFailure } from '../../../../shared/contract';
import { recipientFromCertificate, recipientFromRecoveryFile, recoveryUnwrapper } from '../../cache/key-wrap';
import type { LoggedInCard } from '../../card/operator-auth';
import { pemBlocks, splitMlKemPem } from '../../crypto/hybrid-kem';
import { spkiSha256, type KeyUnwrapper } from '../../crypto/recipient-wrap';
import type { StanzaRole } from './format';

export interface EnvelopeRecipient {
  role: StanzaRole;
  /** The classical key: EC P-256/P-384 or RSA. */
  publicKey: KeyObject;
  /** SHA-256 of its SubjectPublicKeyInfo, hex. */
  id: string;
  label: string;
  /** The ML-KEM-1024 encapsulation key, when the recipient has one (hybrid stanza). */
  pq: Uint8Array | null;
}

export interface EnvelopeOpener extends KeyUnwrapper {
  role: StanzaRole;
  id: string;
}

/** A recipient from its file: its key-management certificate (PEM/DER), plus optionally its ML-KEM-1024 public key. */
export function recipientFromFile(content: Buffer, file: string, role: StanzaRole): EnvelopeRecipient {
  const { classical, mlKem: pq } = splitMlKemPem(content, 'public');
  if (role === 'recovery') {
    const r = asBundleRecoveryKey(() => recipientFromRecoveryFile(content, file));
    return { role, publicKey: r.publicKey, id: r.id, label: r.label, pq: r.pq ?? null };
  }
  let der: Uint8Array = classical;
  const cert = pemBlocks(classical.toString('latin1')).find((b) => b.label === 'CERTIFICATE');
  if (cert) der = cert.der;
  try {
    new X509Certificate(der);
  } catch {
    throw new ArxFailure('BUNDLE_RECIPIENT_INVALID', `${file} holds no certificate to encrypt to.`, { file });
  }
  const r = recipientFromCertificate(der, 'card');
  return { role, publicKey: r.publicKey, id: r.id, label: r.label, pq };
}

/** The recovery private key file (PEM: the EC/RSA key, optionally an ML-KEM-1024 seed-form PKCS#8). */
export function recoveryOpener(content: Buffer, passphrase: string | null, file: string): EnvelopeOpener {
  return { ...asBundleRecoveryKey(() => recoveryUnwrapper(content, passphrase, file)), role: 'recovery' };
}

/** The cache's code for a bad recovery key file, said as the bundle's: BUNDLE_RECOVERY_KEY_INVALID. */
function asBundleRecoveryKey<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof ArxFailure && e.code === 'CACHE_RECOVERY_KEY_INVALID')
      throw new ArxFailure('BUNDLE_RECOVERY_KEY_INVALID', e.message, e.details);
    throw e;
  }
}

/** The card's key-management key (9D), with the card holder's ML-KEM-1024 half when it is given. */
export function cardOpener(card: LoggedInCard, pq: KeyUnwrapper['pq'] | null): EnvelopeOpener {
  const cert = card.keyManagementCertificate?.() ?? null;
  if (!cert)
    throw new ArxFailure(
      'CARD_CERT_MISSING',
      'The card has no Key Management certificate (9D) to open the bundle with.',
    );
  const r = recipientFromCertificate(cert.der, 'card');
  const opener: EnvelopeOpener = { role: 'card', id: r.id, kind: r.kind, describe: 'card', publicKey: r.publicKey };
  if (card.deriveSharedSecret) opener.deriveSharedSecret = (p) => card.deriveSharedSecret!(p);
  if (card.decryptOaep) opener.decryptOaep = (c) => card.decryptOaep!(c);
  if (pq) opener.pq = pq;
  return opener;
}

export const recipientId = (key: KeyObject) => spkiSha256(key);
