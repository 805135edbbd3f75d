// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CertificatePolicyExtension,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509ChainBuilder,
  type X509Certificate,
  type X509Crl,
} from '@peculiar/x509';
import * as pkijs from 'pkijs';
import { ArxFailure, type ArxError, type Result } from '../../../shared/contract';
import { cardIdentity, type CardIdentity } from './identity';
import { DOD_POLICY_ARC, OID, isUnderArc } from './oids';
import type { TrustStore } from './trust-store';

/**
 * Offline certificate validation (RFC 5280 §6) for CAC/PIV certificates against a local trust
 * store. Path building, signatures and the RFC 5280 path checks come from the libraries
 * (@peculiar/x509's X509ChainBuilder, pkijs' CertificateChainValidationEngine); what is written
 * here is our policy and the mapping of each failure to its own stable code.
 */

/**
 * login: the PIV Authentication (or CAC ID) certificate; signature: the Digital Signature (9C) one;
 * key-management: the Key Management (9D) one, which database credentials are wrapped to.
 */
export type CertificatePurpose = 'login' | 'signature' | 'key-management';

export interface ValidationPolicy {
  /** Certificate policy arcs the end-entity must assert one OID under (default: the DoD arc). */
  policyArcs?: readonly string[];
  /** A CRL past its nextUpdate: fail closed (default) or accept with a warning. */
  staleCrl?: 'fail' | 'warn';
  /** Validation time (default: now): revocation and CRL freshness are judged at it. */
  at?: Date;
  /**
   * When the certificates' validity periods are judged (default: `at`): the time a signature was
   * made, for evidence that must outlive the card (an expired card does not undo what it signed).
   */
  validityAt?: Date;
}

export interface ValidatedCertificate {
  subject: string;
  /** SHA-256 of the DER, lower-case hex: what operator_certificates.sha256 holds. */
  sha256: string;
  /** Subjects from the end entity up to the trust anchor. */
  path: string[];
  /** Certificate policy OIDs of the end entity that satisfied the configured arcs. */
  policies: string[];
  /** Present for the login purpose (the EDIPI is required there). */
  identity?: CardIdentity;
  /** E.g. CRL_EXPIRED under staleCrl = 'warn'. */
  warnings: ArxError[];
  /** When every certificate of the path is valid: the latest notBefore and the earliest notAfter. */
  window: { notBefore: Date; notAfter: Date };
}

export function certificateSha256(cert: X509Certificate): string {
  return createHash('sha256').update(new Uint8Array(cert.rawData)).digest('hex');
}

const sameDer = (a: X509Certificate, b: X509Certificate) => Buffer.from(a.rawData).equals(Buffer.from(b.rawData));
const fail = (code: string, message: string, details: Record<string, unknown>): never => {
  throw new ArxFailure(code, message, details);
};

/** Validates `cert` for `purpose`; never throws (a malformed input is CERT_MALFORMED). */
export async function validateCertificate(
  cert: X509Certificate,
  store: TrustStore,
  purpose: CertificatePurpose,
  policy: ValidationPolicy = {},
  /** Further intermediates presented with the certificate (e.g. read from the card); never trusted by themselves. */
  presented: readonly X509Certificate[] = [],
): Promise<Result<ValidatedCertificate>> {
  try {
    return { ok: true, value: await validateOrThrow(cert, store, purpose, policy, presented) };
  } catch (err) {
    if (err instanceof ArxFailure) return { ok: false, error: err.toError() };
    return {
      ok: false,
      error: {
        code: 'CERT_MALFORMED',
        message: `The certificate "${safeSubject(cert)}" could not be validated: ${(err as Error).message}.`,
      },
    };
  }
}

function safeSubject(cert: X509Certificate): string {
  try {
    return cert.subject;
  } catch {
    return '(unreadable subject)';
  }
}

async function validateOrThrow(
  cert: X509Certificate,
  store: TrustStore,
  purpose: CertificatePurpose,
  policy: ValidationPolicy,
  presented: readonly X509Certificate[],
): Promise<ValidatedCertificate> {
  const at = policy.at ?? new Date();
  const validityAt = policy.validityAt ?? at;
  const subject = cert.subject;
  const warnings: ArxError[] = [];
  const chain = await pathToAnchor(cert, store, presented);
  checkValidity(chain, validityAt);
  checkIssuers(chain);
  // Revocation of every certificate below the anchor, from local CRLs only.
  for (let i = 0; i < chain.length - 1; i++)
    checkRevocation(
      chain[i]!,
      chain[i + 1]!,
      await crlsOf(chain[i + 1]!, store.crls),
      at,
      policy.staleCrl ?? 'fail',
      warnings,
    );
  checkKeyUsage(cert, purpose);
  if (purpose === 'login') checkLoginEku(cert);
  const policies = assertedPolicies(cert, policy.policyArcs ?? [DOD_POLICY_ARC]);
  const identity = purpose === 'login' ? cardIdentity(cert) : undefined;
  // The library's RFC 5280 path validation over the same path, including policy processing
  // (§6.1.3 (d)–(f)) with our policies as the initial set: the CAs must assert them too.
  await libraryPathValidation(chain, validityAt, policies, subject);
  const window = {
    notBefore: new Date(Math.max(...chain.map((c) => c.notBefore.getTime()))),
    notAfter: new Date(Math.min(...chain.map((c) => c.notAfter.getTime()))),
  };
  return {
    subject,
    sha256: certificateSha256(cert),
    path: chain.map((c) => c.subject),
    policies,
    ...(identity ? { identity } : {}),
    warnings,
    window,
  };
}

/** A path to a trust anchor (RFC 5280 §6.1: the path must end at a trust anchor). */
async function pathToAnchor(
  cert: X509Certificate,
  store: TrustStore,
  presented: readonly X509Certificate[],
): Promise<X509Certificate[]> {
  const known = [...store.anchors, ...store.intermediates, ...presented];
  const chain = [...(await new X509ChainBuilder({ certificates: known }).build(cert))];
  const top = chain[chain.length - 1]!;
  if (store.anchors.some((a) => sameDer(a, top))) return chain;
  // An issuer by name (and key id) that is present but whose signature does not verify is a forgery, not a stranger.
  const aki = top.getExtension(AuthorityKeyIdentifierExtension)?.keyId;
  const named = known.some(
    (c) => c.subject === top.issuer && (!aki || c.getExtension(SubjectKeyIdentifierExtension)?.keyId === aki),
  );
  if (named && !(await top.isSelfSigned())) {
    fail(
      'CERT_SIGNATURE_INVALID',
      `The signature on "${top.subject}" does not verify with the key of its issuer "${top.issuer}".`,
      { subject: top.subject, issuer: top.issuer },
    );
  }
  return fail(
    'CERT_UNTRUSTED',
    `No path from "${cert.subject}" to a configured trust anchor: "${top.subject}" was issued by "${top.issuer}", which is not trusted.`,
    { subject: cert.subject, issuer: top.issuer },
  );
}

/** Validity of every certificate on the path (RFC 5280 §6.1.3 (a)(2)). */
function checkValidity(chain: readonly X509Certificate[], at: Date): void {
  for (const c of chain) {
    if (c.notAfter < at)
      fail('CERT_EXPIRED', `The certificate "${c.subject}" expired on ${c.notAfter.toISOString()}.`, {
        subject: c.subject,
        notAfter: c.notAfter.toISOString(),
      });
    if (c.notBefore > at)
      fail('CERT_NOT_YET_VALID', `The certificate "${c.subject}" is not valid before ${c.notBefore.toISOString()}.`, {
        subject: c.subject,
        notBefore: c.notBefore.toISOString(),
      });
  }
}

/** Issuers are CAs allowed to sign certificates, within their path length (RFC 5280 §6.1.4 (k)–(n)). */
function checkIssuers(chain: readonly X509Certificate[]): void {
  for (let i = 1; i < chain.length; i++) {
    const ca = chain[i]!;
    const bc = ca.getExtension(BasicConstraintsExtension);
    const ku = ca.getExtension(KeyUsagesExtension);
    if (!bc?.ca)
      fail(
        'CERT_NOT_CA',
        `"${ca.subject}" issued "${chain[i - 1]!.subject}" but is not a CA (basicConstraints cA is not set).`,
        { subject: ca.subject },
      );
    if (ku && !(ku.usages & KeyUsageFlags.keyCertSign))
      fail('CERT_NOT_CA', `"${ca.subject}" may not sign certificates (no keyCertSign key usage).`, {
        subject: ca.subject,
      });
    const below = i - 1; // intermediate CAs beneath this one
    if (bc?.pathLength !== undefined && below > bc.pathLength) {
      fail(
        'CERT_NOT_CA',
        `"${ca.subject}" allows ${bc.pathLength} intermediate CA(s) below it; this path has ${below}.`,
        { subject: ca.subject },
      );
    }
  }
}

const NEEDED_KEY_USAGE = {
  login: { all: [KeyUsageFlags.digitalSignature], text: 'digitalSignature' },
  signature: {
    all: [KeyUsageFlags.digitalSignature, KeyUsageFlags.nonRepudiation],
    text: 'digitalSignature and nonRepudiation',
  },
  // EC keys agree (ECDH), RSA keys encipher (OAEP): either is a key-management key.
  'key-management': { all: [], text: 'keyAgreement or keyEncipherment' },
} as const;

/** Our policy for the end entity's key usage. */
function checkKeyUsage(cert: X509Certificate, purpose: CertificatePurpose): void {
  const ku = cert.getExtension(KeyUsagesExtension)?.usages ?? 0;
  const need = NEEDED_KEY_USAGE[purpose];
  const kmOk =
    purpose !== 'key-management' || (ku & (KeyUsageFlags.keyAgreement | KeyUsageFlags.keyEncipherment)) !== 0;
  if (!need.all.every((f) => ku & f) || !kmOk) {
    fail(
      'CERT_WRONG_KEY_USAGE',
      `The certificate "${cert.subject}" lacks the key usage ${need.text} needed for ${purpose}.`,
      { subject: cert.subject, purpose },
    );
  }
}

function checkLoginEku(cert: X509Certificate): void {
  const eku = (cert.getExtension(ExtendedKeyUsageExtension)?.usages ?? []).map(String);
  if (!eku.includes(OID.ekuSmartcardLogon) && !eku.includes(OID.ekuClientAuth)) {
    fail(
      'CERT_WRONG_EKU',
      `The certificate "${cert.subject}" is not for login: its extended key usage has neither smartcardLogon nor clientAuth${eku.length ? ` (it has ${eku.join(', ')})` : ''}.`,
      { subject: cert.subject, eku },
    );
  }
}

/** The certificate policies the end entity asserts under the accepted arcs; none is a failure. */
function assertedPolicies(cert: X509Certificate, arcs: readonly string[]): string[] {
  const asserted = cert.getExtension(CertificatePolicyExtension)?.policies ?? [];
  const policies = asserted.filter((p) => arcs.some((arc) => isUnderArc(p, arc)));
  if (policies.length === 0) {
    fail(
      'CERT_POLICY_MISSING',
      `The certificate "${cert.subject}" asserts no certificate policy under ${arcs.join(' or ')}${asserted.length ? ` (it asserts ${asserted.join(', ')})` : ''}.`,
      { subject: cert.subject, asserted },
    );
  }
  return policies;
}

async function crlsOf(
  issuer: X509Certificate,
  crls: readonly X509Crl[],
): Promise<{ crl: X509Crl; verified: boolean }[]> {
  const named = crls.filter((c) => c.issuer === issuer.subject);
  return Promise.all(
    named.map(async (crl) => ({ crl, verified: await crl.verify({ publicKey: issuer }).catch(() => false) })),
  );
}

function checkRevocation(
  cert: X509Certificate,
  issuer: X509Certificate,
  crls: { crl: X509Crl; verified: boolean }[],
  at: Date,
  stale: 'fail' | 'warn',
  warnings: ArxError[],
): void {
  const subject = cert.subject;
  if (crls.length === 0)
    fail(
      'CRL_MISSING',
      `No CRL from "${issuer.subject}" is loaded, so the revocation status of "${subject}" is unknown.`,
      { subject, issuer: issuer.subject },
    );
  const good = crls.filter((c) => c.verified && c.crl.thisUpdate <= at).map((c) => c.crl);
  if (good.length === 0)
    fail(
      'CRL_SIGNATURE_INVALID',
      `No CRL from "${issuer.subject}" verifies with the issuer's key (needed for "${subject}").`,
      { subject, issuer: issuer.subject },
    );
  const newest = good.reduce((a, b) => (b.thisUpdate > a.thisUpdate ? b : a));
  if (newest.nextUpdate === undefined || newest.nextUpdate < at) {
    const message = `The newest CRL from "${issuer.subject}" ${newest.nextUpdate ? `expired on ${newest.nextUpdate.toISOString()}` : 'has no nextUpdate'}; the revocation status of "${subject}" is not current.`;
    const details = { subject, issuer: issuer.subject, nextUpdate: newest.nextUpdate?.toISOString() ?? null };
    if (stale === 'fail') fail('CRL_EXPIRED', message, details);
    warnings.push({ code: 'CRL_EXPIRED', message, details });
  }
  const entry = newest.findRevoked(cert);
  if (entry) {
    fail(
      'CERT_REVOKED',
      `The certificate "${subject}" was revoked on ${entry.revocationDate.toISOString()} (CRL of "${issuer.subject}").`,
      {
        subject,
        serialNumber: cert.serialNumber,
        revocationDate: entry.revocationDate.toISOString(),
        ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
      },
    );
  }
}

async function libraryPathValidation(
  chain: X509Certificate[],
  at: Date,
  policies: string[],
  subject: string,
): Promise<void> {
  const toPkijs = (c: X509Certificate) => pkijs.Certificate.fromBER(new Uint8Array(c.rawData));
  const anchor = chain[chain.length - 1]!;
  const engine = new pkijs.CertificateChainValidationEngine({
    trustedCerts: [toPkijs(anchor)],
    // pkijs takes the end entity as the last element; revocation was checked above, so no CRLs here.
    certs: [...chain.slice(1, -1).map(toPkijs), toPkijs(chain[0]!)],
    checkDate: at,
  });
  const r = await engine.verify({ initialPolicySet: policies, initialExplicitPolicy: true });
  if (!r.result) {
    fail(
      'CERT_UNTRUSTED',
      `RFC 5280 path validation of "${subject}" failed: ${r.resultMessage} (pkijs code ${r.resultCode}).`,
      { subject, libraryCode: r.resultCode },
    );
  }
}
