// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { X509Certificate } from '@peculiar/x509';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import type { TrustStore } from '../pki/trust-store';
import { validateCertificate, type ValidationPolicy } from '../pki/validate';
import type { SignatureResult } from './card-service';

/** A signature made on the logged-in operator's card, with what a verifier needs to check it. */
export interface OperatorSignature {
  /** Who signed (the session at the time of signing). */
  operator: OperatorSession;
  purpose: string;
  algorithm: SignatureResult['algorithm'];
  /** ECDSA: DER ECDSA-Sig-Value (what OpenSSL, X.509 and DSSE verifiers expect); RSA: the signature. */
  signature: Uint8Array;
  /** ECDSA only: r‖s as PKCS#11 returned it. */
  raw: Uint8Array;
  /** The Digital Signature certificate (DER), validated for the signature purpose before signing. */
  certificateDer: Uint8Array;
  certificateSha256: string;
}

/** Validates a signing certificate for the signature purpose (digitalSignature + nonRepudiation, path, CRL). */
export async function validateSigningCertificate(
  der: Uint8Array,
  trustStore: TrustStore,
  policy: ValidationPolicy,
): Promise<{ sha256: string }> {
  const validated = await validateCertificate(
    new X509Certificate(new Uint8Array(der)),
    trustStore,
    'signature',
    policy,
  );
  if (!validated.ok) throw new ArxFailure(validated.error.code, validated.error.message, validated.error.details);
  return { sha256: validated.value.sha256 };
}
