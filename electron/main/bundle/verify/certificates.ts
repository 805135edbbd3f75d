import { X509Certificate, X509Crl } from '@peculiar/x509';
import {
  constants as cryptoConstants,
  createHash,
  X509Certificate as NodeX509,
  verify as cryptoVerify,
} from 'node:crypto';
import { bytesEqual, fromBase64 } from '../../../../shared/bytes';
import { pae, type DsseEnvelope } from '../../../../shared/dsse';
import type { TrustStore } from '../../pki/trust-store';
import { validateCertificate } from '../../pki/validate';
import type { VerifyState } from './state';
import type { BundleTrust } from './types';

/** cert-<sha256>.der and manifest-signer.der: DER certificates, a cert member named after its digest. */
export function readCertificate(s: VerifyState, name: string, kind: 'cert' | 'signer', bytes: Uint8Array): void {
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (kind === 'cert' && sha !== name.slice(5, 69)) {
    s.checks.fail('certificates', 'BUNDLE_MEMBER_INVALID', `${name}: its SHA-256 is ${sha}, not the one in its name`, {
      member: name,
    });
    return;
  }
  try {
    const x = new X509Certificate(bytes.slice() as Uint8Array<ArrayBuffer>);
    s.certs.set(sha, { der: bytes, x, node: new NodeX509(bytes), member: name });
  } catch (e) {
    s.checks.fail(
      'certificates',
      'CERT_MALFORMED',
      `${name} is not a DER X.509 certificate: ${(e as Error).message.slice(0, 120)}`,
      { member: name },
    );
  }
}

export function readCrl(s: VerifyState, name: string, bytes: Uint8Array): void {
  try {
    s.crls.push(new X509Crl(bytes.slice() as Uint8Array<ArrayBuffer>));
  } catch (e) {
    s.checks.fail('certificates', 'CRL_MALFORMED', `${name} is not a DER CRL: ${(e as Error).message.slice(0, 120)}`, {
      member: name,
    });
  }
}

/** Whether a DSSE envelope verifies with the certificate's key (any of its signatures). */
export function verifyDsse(
  env: DsseEnvelope,
  cert: NodeX509,
  rsa: 'pkcs1' | 'pss' = 'pkcs1',
): { ok: boolean; payload: Uint8Array | null } {
  const payload = fromBase64(env.payload);
  if (!payload) return { ok: false, payload: null };
  const input = pae(env.payloadType, payload);
  // Per signature kind (bundle-format §5.2): the manifest is PKCS#1 v1.5, fidelity certificates PSS.
  const padding =
    cert.publicKey.asymmetricKeyType === 'ec'
      ? {}
      : rsa === 'pss'
        ? { padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
        : { padding: cryptoConstants.RSA_PKCS1_PADDING };
  const ok = env.signatures.some((sg) => {
    const sig = fromBase64(sg.sig);
    if (!sig) return false;
    try {
      return cryptoVerify('sha256', input, { key: cert.publicKey, dsaEncoding: 'der', ...padding }, sig);
    } catch {
      return false;
    }
  });
  return { ok, payload };
}

/**
 * Signers' certificate paths to the auditor's anchors, each certificate validated once per
 * verification (certificates come from the bundle; trust only from the auditor).
 */
export class SignerPaths {
  private readonly store: TrustStore;
  private readonly checked = new Map<string, boolean>();
  constructor(private readonly s: VerifyState) {
    const trust = s.opts.trust.store;
    this.store = {
      anchors: trust.anchors,
      intermediates: [...trust.intermediates, ...[...s.certs.values()].map((c) => c.x)],
      crls: [...trust.crls, ...s.crls],
    };
  }

  async check(sha: string, what: string, member: string): Promise<boolean> {
    const { s } = this;
    if (this.checked.has(sha)) return this.checked.get(sha)!;
    const c = s.certs.get(sha);
    s.checks.count('signer-paths');
    if (!c) {
      s.checks.fail(
        'signer-paths',
        'SIGNER_CERT_MISSING',
        `the certificate of ${what} (SHA-256 ${sha.slice(0, 16)}…) is not in the bundle`,
        { member },
      );
      this.checked.set(sha, false);
      return false;
    }
    const v = await cachedValidation(c, this.store, s.opts.trust);
    if (!v.ok) s.checks.fail('signer-paths', v.error.code, `${what}: ${v.error.message}`, { member: c.member });
    this.checked.set(sha, v.ok);
    return v.ok;
  }
}

/** Each X.509 certificate's signature by an issuer we hold (the auditor's or the bundle's). */
export async function checkCertificateSignatures(s: VerifyState): Promise<void> {
  const trust = s.opts.trust.store;
  const issuers = [...trust.anchors, ...trust.intermediates, ...[...s.certs.values()].map((c) => c.x)];
  for (const [sha, c] of s.certs) {
    s.checks.count('certificates');
    const issuer = issuers.find(
      (i) => i.subject === c.x.issuer && !(i.subject === c.x.subject && bytesEqual(new Uint8Array(i.rawData), c.der)),
    );
    if (issuer && !(await c.x.verify({ publicKey: issuer, signatureOnly: true }).catch(() => false))) {
      s.checks.fail(
        'certificates',
        'CERT_SIGNATURE_INVALID',
        `the signature on ${c.member} ("${c.x.subject}") does not verify with the key of "${issuer.subject}"`,
        { member: c.member },
      );
    }
    s.contents?.certificates.push({
      sha256: sha,
      subject: c.x.subject,
      issuer: c.x.issuer,
      notBefore: c.x.notBefore.toISOString(),
      notAfter: c.x.notAfter.toISOString(),
      member: c.member,
    });
  }
}

/**
 * Path validation results for one minute, keyed by the certificate, every certificate and CRL the
 * path could be built from, the auditor's trust object and its policy: verifying many bundles
 * signed by the same card (or one bundle's many signatures) validates each signer once.
 */
const pathCache = new Map<string, { at: number; result: Awaited<ReturnType<typeof validateCertificate>> }>();
const trustIds = new WeakMap<object, number>();
let nextTrustId = 1;

async function cachedValidation(c: { x: X509Certificate; der: Uint8Array }, store: TrustStore, trust: BundleTrust) {
  const h = createHash('sha256').update(c.der);
  for (const x of store.intermediates) h.update(new Uint8Array(x.rawData));
  for (const x of store.crls) h.update(new Uint8Array(x.rawData));
  if (!trustIds.has(trust)) trustIds.set(trust, nextTrustId++);
  const key = `${trustIds.get(trust)}:${h.digest('hex')}`;
  const hit = pathCache.get(key);
  if (hit && Date.now() - hit.at < 60_000) return hit.result;
  const result = await validateCertificate(c.x, store, 'signature', trust.policy);
  if (pathCache.size > 256) pathCache.clear();
  pathCache.set(key, { at: Date.now(), result });
  return result;
}
