// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { X509ChainBuilder, X509Certificate, type X509Crl } from '@peculiar/x509';
import { commonNameOf } from '../../../shared/ids';
import type { TrustStore } from '../pki/trust-store';
import { validateCertificate, type ValidationPolicy } from '../pki/validate';

/**
 * The signer of a fidelity certificate, judged at the time it signed: the
 * certificate path and its validity at that time (the PKI service's validateCertificate with
 * `at` = signing time), and revocation by the newest CRLs loaded today — a revocation dated
 * at or before the signature fails it; one dated after is reported but does not (the signature
 * was made while the certificate was good). CRLs are local files only; nothing is fetched.
 */
export interface SignerFinding {
  status: 'pass' | 'fail' | 'warn';
  code: string | null;
  message: string;
}

export interface SignerReport {
  path: SignerFinding;
  revocation: SignerFinding;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** End entity first, trust anchor last (only the certificates that could be found). */
  chain: X509Certificate[];
  /** CRLs from the issuers on the chain, as loaded. */
  crls: X509Crl[];
}

export async function checkSigner(
  certificateDer: Uint8Array,
  store: TrustStore,
  policy: ValidationPolicy,
  signedAt: Date,
): Promise<SignerReport> {
  const cert = new X509Certificate(new Uint8Array(certificateDer));
  let chain: X509Certificate[] = [cert];
  try {
    chain = [...(await new X509ChainBuilder({ certificates: [...store.anchors, ...store.intermediates] }).build(cert))];
  } catch {
    // no path: validateCertificate says so with its own code
  }
  const issuers = new Set(chain.slice(1).map((c) => c.subject));
  const crls = store.crls.filter((c) => issuers.has(c.issuer));
  const base = {
    subject: cert.subject,
    issuer: cert.issuer,
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    chain,
    crls,
  };
  const path = await pathAtSigning(cert, store, policy, signedAt);
  const revocation = await revocationToday(chain, crls, signedAt);
  return { ...base, path, revocation };
}

/** "2026-12-07 21:38:26 UTC". */
const atUtc = (d: Date) => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
/** The path by the names people read; its full DNs are in the finding's `path`. */
const names = (path: readonly string[]) => path.map(commonNameOf).join(' → ');

/** The certificate path and its validity at signing time. */
async function pathAtSigning(
  cert: X509Certificate,
  store: TrustStore,
  policy: ValidationPolicy,
  signedAt: Date,
): Promise<SignerFinding> {
  const v = await validateCertificate(cert, store, 'signature', { ...policy, staleCrl: 'warn', at: signedAt });
  if (v.ok) {
    const warn = v.value.warnings[0];
    return warn
      ? {
          status: 'warn',
          code: warn.code,
          message: `Valid at ${atUtc(signedAt)} (${names(v.value.path)}); ${warn.message}`,
        }
      : { status: 'pass', code: null, message: `Valid at ${atUtc(signedAt)}: ${names(v.value.path)}.` };
  }
  if (v.error.code === 'CERT_REVOKED') {
    return {
      status: 'fail',
      code: 'REVIEW_SIGNER_REVOKED',
      message: `The signer's certificate was revoked when it signed: ${v.error.message}`,
    };
  }
  return {
    status: 'fail',
    code: 'REVIEW_SIGNER_UNTRUSTED',
    message: `The signer's certificate was not valid at ${signedAt.toISOString()}: ${v.error.message} (${v.error.code})`,
  };
}

/** Revocation by today's CRLs, judged by the revocation date. */
async function revocationToday(chain: X509Certificate[], crls: X509Crl[], signedAt: Date): Promise<SignerFinding> {
  let revocation: SignerFinding = {
    status: 'pass',
    code: null,
    message: 'Not revoked according to the newest CRLs loaded.',
  };
  for (let i = 0; i + 1 < chain.length; i++) {
    const c = chain[i]!;
    const issuer = chain[i + 1]!;
    const verified: X509Crl[] = [];
    for (const crl of crls.filter((x) => x.issuer === issuer.subject))
      if (await crl.verify({ publicKey: issuer }).catch(() => false)) verified.push(crl);
    if (verified.length === 0) {
      revocation = {
        status: 'warn',
        code: 'CRL_MISSING',
        message: `No CRL from "${issuer.subject}" that verifies is loaded: the revocation of "${c.subject}" could not be checked today.`,
      };
      continue;
    }
    const newest = verified.reduce((a, b) => (b.thisUpdate > a.thisUpdate ? b : a));
    const entry = newest.findRevoked(c);
    if (!entry) continue;
    if (entry.revocationDate <= signedAt) {
      return {
        status: 'fail',
        code: 'REVIEW_SIGNER_REVOKED',
        message: `"${c.subject}" was revoked on ${entry.revocationDate.toISOString()}, at or before the signature (${signedAt.toISOString()}).`,
      };
    }
    revocation = {
      status: 'warn',
      code: 'CERT_REVOKED',
      message: `"${c.subject}" was revoked on ${entry.revocationDate.toISOString()}, after it signed this certificate.`,
    };
  }
  return revocation;
}
