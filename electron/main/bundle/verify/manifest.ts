import { createHash } from 'node:crypto';
import { bytesEqual, fromBase64 } from '../../../../shared/bytes';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSIONS,
  bundleMagicText,
  BundleFatal,
  isPqKeyId,
  manifestPayloadType,
  type BundleVersion,
  ManifestSchema,
  parseStrictJson,
  type BundleReport,
  type Manifest,
} from '../../../../shared/bundle';
import { DsseEnvelopeSchema } from '../../../../shared/dsse';
import { cardIdentity } from '../../pki/identity';
import { verifyDsse, type SignerPaths } from './certificates';
import type { BundleCert, VerifyState } from './state';

export type Fatal = NonNullable<BundleReport['fatal']>;

/** ARX-BUNDLE: the marker with a version this verifier knows (which it returns); anything else is fatal. */
export function checkMagic(name: string, bytes: Uint8Array): BundleVersion {
  const text = new TextDecoder('latin1').decode(bytes);
  const known = BUNDLE_VERSIONS.find((v) => text === bundleMagicText(v));
  if (known) return known;
  const v = /^arx-bundle\/([^\n]{0,20})\n?$/.exec(text);
  if (v)
    throw new BundleFatal(
      'BUNDLE_VERSION_UNKNOWN',
      `bundle format version ${JSON.stringify(v[1])} is not known to this verifier (it knows versions ${BUNDLE_VERSIONS.join(' and ')})`,
      { member: name },
    );
  throw new BundleFatal('BUNDLE_NOT_A_BUNDLE', 'the first member is not the ARX bundle marker', { member: name });
}

/** manifest.json, fatal when missing or unreadable: it is what every digest is checked against. */
export function readManifest(s: VerifyState): { ok: true; manifest: Manifest } | { ok: false; fatal: Fatal } {
  const bytes = s.small.get('manifest.json');
  if (!bytes)
    return {
      ok: false,
      fatal: {
        code: 'BUNDLE_MANIFEST_MISSING',
        message: 'the bundle has no manifest.json',
        location: { member: 'manifest.json' },
      },
    };
  const parsed = parseStrictJson(bytes, 'manifest.json', s.limits.maxJsonDepth);
  if (!parsed.ok)
    return {
      ok: false,
      fatal: { code: parsed.error.code, message: parsed.error.message, location: parsed.error.location },
    };
  const mv = parsed.value as { format?: unknown; version?: unknown };
  if (mv && typeof mv === 'object' && mv.format === BUNDLE_FORMAT && mv.version !== (s.version ?? -1))
    return {
      ok: false,
      fatal: {
        code: 'BUNDLE_VERSION_UNKNOWN',
        message: `manifest.json: format version ${JSON.stringify(mv.version)} is not known to this verifier or not the version of ARX-BUNDLE`,
        location: { member: 'manifest.json', path: 'version' },
      },
    };
  const ms = ManifestSchema.safeParse(parsed.value);
  if (!ms.success) {
    const i = ms.error.issues[0]!;
    return {
      ok: false,
      fatal: {
        code: 'BUNDLE_MANIFEST_INVALID',
        message: `manifest.json: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
        location: { member: 'manifest.json', path: i.path.map(String).join('.') },
      },
    };
  }
  // The marking is signed in version 2 and does not exist in version 1.
  if ((ms.data.classification === undefined) !== (s.version === 1))
    return {
      ok: false,
      fatal: {
        code: 'BUNDLE_MANIFEST_INVALID',
        message: `manifest.json: classification is ${s.version === 1 ? 'not a key of format version 1' : 'required from format version 2'}`,
        location: { member: 'manifest.json', path: 'classification' },
      },
    };
  return { ok: true, manifest: ms.data };
}

/** The SHA-256 of manifest-signer.der, or null when the bundle has none. */
export function signerSha(s: VerifyState): string | null {
  const der = s.small.get('manifest-signer.der');
  return der ? createHash('sha256').update(der).digest('hex') : null;
}

/**
 * manifest.dsse.json: carries manifest.json, signed by the key of manifest-signer.der, whose path is
 * then checked; and the exporter the manifest names is the person that certificate names.
 */
export async function checkManifestSignature(s: VerifyState, paths: SignerPaths, manifest: Manifest): Promise<void> {
  s.checks.count('manifest-signature');
  const sha = signerSha(s);
  const problem = envelopeProblem(s, sha) ?? exporterProblem(manifest, s.certs.get(sha!)!);
  if (problem) s.checks.fail('manifest-signature', problem.code, problem.message, problem.location);
  if (sha) await paths.check(sha, 'the exporter', 'manifest-signer.der');
}

/**
 * A manifest naming one operator but signed with another's card: the signing certificate's EDIPI
 * (its UPN, cross-checked with its CN) must be the exporter's.
 */
function exporterProblem(manifest: Manifest, cert: BundleCert): Fatal | null {
  const named = manifest.exporter.edipi;
  let edipi: string | null = null;
  try {
    edipi = cardIdentity(cert.x).edipi;
  } catch {
    // A certificate that names no EDIPI names no exporter either.
  }
  if (edipi === named) return null;
  return {
    code: 'BUNDLE_EXPORTER_MISMATCH',
    message: `manifest.json names the exporter ${manifest.exporter.displayName.slice(0, 80)} (EDIPI ${named}), but manifest-signer.der ("${cert.x.subject}") ${edipi ? `belongs to EDIPI ${edipi}` : 'names no EDIPI'}`,
    location: { member: 'manifest.json', path: 'exporter.edipi', expected: named, found: edipi ?? '' },
  };
}

/** Why the envelope does not stand for manifest.json, or null (then the signer's certificate is in the bundle). */
function envelopeProblem(s: VerifyState, sha: string | null): Fatal | null {
  const envBytes = s.small.get('manifest.dsse.json');
  const at = { member: 'manifest.dsse.json' };
  if (!envBytes)
    return { code: 'BUNDLE_MEMBER_MISSING', message: 'the bundle has no manifest.dsse.json', location: at };
  const ev = parseStrictJson(envBytes, 'manifest.dsse.json', s.limits.maxJsonDepth);
  if (!ev.ok) return { code: ev.error.code, message: ev.error.message, location: ev.error.location };
  const env = DsseEnvelopeSchema.safeParse(ev.value);
  if (!env.success)
    return { code: 'MANIFEST_ENVELOPE_MISMATCH', message: 'manifest.dsse.json is not a DSSE envelope', location: at };
  const e = env.data;
  const payload = fromBase64(e.payload);
  if (
    e.payloadType !== manifestPayloadType(s.version ?? 1) ||
    !payload ||
    !bytesEqual(payload, s.small.get('manifest.json')!)
  )
    return {
      code: 'MANIFEST_ENVELOPE_MISMATCH',
      message: 'the envelope does not carry manifest.json as a bundle manifest',
      location: at,
    };
  const cert = sha ? s.certs.get(sha) : undefined;
  if (!sha || !cert)
    return {
      code: 'SIGNER_CERT_MISSING',
      message: 'manifest-signer.der is missing or not a certificate',
      location: { member: 'manifest-signer.der' },
    };
  // The card's signature; an ML-DSA-87 companion signature (§11) is judged apart (verify/pq.ts).
  const classical = e.signatures.filter((x) => !isPqKeyId(x.keyid));
  if (classical.length === 0 || !classical.every((x) => x.keyid === sha))
    return {
      code: 'MANIFEST_SIGNATURE_INVALID',
      message: 'the envelope names a key other than manifest-signer.der',
      location: at,
    };
  if (!verifyDsse({ ...e, signatures: classical }, cert.node).ok)
    return {
      code: 'MANIFEST_SIGNATURE_INVALID',
      message: 'the manifest signature does not verify with the key of manifest-signer.der',
      location: at,
    };
  return null;
}
