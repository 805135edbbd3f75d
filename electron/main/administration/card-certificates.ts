import 'reflect-metadata';
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { KeyUsageFlags, KeyUsagesExtension, X509Certificate } from '@peculiar/x509';
import { ArxFailure } from '../../../shared/contract';
import type { TrustStore } from '../pki/trust-store';
import { validateCertificate, type CertificatePurpose, type ValidationPolicy } from '../pki/validate';

/** One certificate of a card, validated, as arx.operator_certificates records it. */
export interface CardCertificate {
  usage: 'piv-auth' | 'signature' | 'key-management';
  sha256: string;
  subject: string;
  notAfter: Date;
  der: Uint8Array;
}

/** A card's certificates (PIV Authentication, Digital Signature, Key Management) and whom they name. */
export interface EnrolmentCard {
  edipi: string;
  displayName: string;
  certificates: CardCertificate[];
  /** The Key Management certificate: database credentials are wrapped to its key. */
  keyManagement: CardCertificate;
}

const MAX_FILE = 256 * 1024;
const PEM = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;

/** A file's bytes, refused unless it is a regular file of at most 256 KiB (CERT_FILE_INVALID, naming it). */
function readBoundedFile(file: string): Buffer {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > MAX_FILE) throw new Error(`${st.size} bytes, larger than 256 KiB`);
    return readFileSync(file);
  } catch (err) {
    throw new ArxFailure('CERT_FILE_INVALID', `Cannot read ${file}: ${(err as Error).message}.`, { file });
  }
}

/** The certificates in a file: a PEM bundle, or one DER certificate. */
export function readCertificateFile(file: string): X509Certificate[] {
  return parseCertificateFile(readBoundedFile(file), file);
}

/**
 * A certificate file as the admin.* commands take it (its name and bytes, base64), checked first
 * here at the boundary: a regular file, at most 256 KiB, every certificate in it readable.
 */
export function readCertificateUpload(file: string): { name: string; base64: string } {
  const bytes = readBoundedFile(file);
  parseCertificateFile(bytes, file);
  return { name: basename(file), base64: bytes.toString('base64') };
}

/** One certificate's DER from the file, or CERT_FILE_INVALID with where it is (certificate n, its line). */
function parseOne(der: Buffer, file: string, where: { certificate: number; line?: number }): X509Certificate {
  try {
    return new X509Certificate(new Uint8Array(der));
  } catch (err) {
    const at = where.line === undefined ? '' : ` (line ${where.line})`;
    throw new ArxFailure(
      'CERT_FILE_INVALID',
      `${file}: certificate ${where.certificate}${at} is not readable X.509: ${(err as Error).message}.`,
      { file, ...where },
    );
  }
}

/** The certificates in a file's bytes (a PEM bundle, or one DER certificate); `file` names it in errors. */
export function parseCertificateFile(bytes: Uint8Array, file: string): X509Certificate[] {
  if (bytes.length > MAX_FILE)
    throw new ArxFailure('CERT_FILE_INVALID', `${file} is larger than 256 KiB: not a certificate file.`, { file });
  const text = Buffer.from(bytes).toString('latin1');
  const pems = [...text.matchAll(PEM)];
  if (pems.length === 0) return [parseOne(Buffer.from(bytes), file, { certificate: 1 })];
  return pems.map((m, i) =>
    parseOne(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'), file, {
      certificate: i + 1,
      line: text.slice(0, m.index).split('\n').length,
    }),
  );
}

/** Which PIV slot a certificate is for, from its key usage (nonRepudiation: 9C; agreement/encipherment: 9D). */
function usageOf(cert: X509Certificate): CardCertificate['usage'] | null {
  const ku = cert.getExtension(KeyUsagesExtension)?.usages ?? 0;
  if (ku & (KeyUsageFlags.keyAgreement | KeyUsageFlags.keyEncipherment)) return 'key-management';
  if (ku & KeyUsageFlags.nonRepudiation) return 'signature';
  if (ku & KeyUsageFlags.digitalSignature) return 'piv-auth';
  return null;
}

const PURPOSE: Record<CardCertificate['usage'], CertificatePurpose> = {
  'piv-auth': 'login',
  signature: 'signature',
  'key-management': 'key-management',
};

/**
 * Validates one card's certificates against the trust anchors, CRLs and policy arcs: one each of
 * PIV Authentication, Digital Signature and Key Management, all naming the same person (the
 * EDIPI from the PIV Authentication certificate's UPN, cross-checked with its CN).
 */
export async function enrolmentCard(
  certs: readonly X509Certificate[],
  store: TrustStore,
  policy: ValidationPolicy,
  file: string,
): Promise<EnrolmentCard> {
  const byUsage = new Map<CardCertificate['usage'], X509Certificate>();
  for (const c of certs) {
    const u = usageOf(c);
    if (u && !byUsage.has(u)) byUsage.set(u, c);
  }
  const missing = (['piv-auth', 'signature', 'key-management'] as const).filter((u) => !byUsage.has(u));
  if (missing.length > 0)
    throw new ArxFailure('ENROLMENT_CERTIFICATES_INCOMPLETE', `${file} lacks the ${missing.join(', ')} certificate.`, {
      file,
      missing,
    });
  const out: CardCertificate[] = [];
  let edipi = '';
  let displayName = '';
  for (const [usage, cert] of byUsage) {
    const r = await validateCertificate(cert, store, PURPOSE[usage], policy, certs);
    if (!r.ok) throw new ArxFailure(r.error.code, r.error.message, { ...r.error.details, file, usage });
    if (r.value.identity) {
      edipi = r.value.identity.edipi;
      const i = r.value.identity;
      displayName = [i.firstName, i.middleName, i.lastName].filter(Boolean).join(' ');
    }
    out.push({
      usage,
      sha256: r.value.sha256,
      subject: cert.subject,
      notAfter: cert.notAfter,
      der: new Uint8Array(cert.rawData),
    });
  }
  // The other certificates must name the same person: the CN carries the EDIPI last.
  for (const c of out) {
    if (!c.subject.includes(`.${edipi}`))
      throw new ArxFailure(
        'EDIPI_MISMATCH',
        `The ${c.usage} certificate in ${file} names another person (${c.subject}).`,
        {
          file,
          usage: c.usage,
        },
      );
  }
  return { edipi, displayName, certificates: out, keyManagement: out.find((c) => c.usage === 'key-management')! };
}
