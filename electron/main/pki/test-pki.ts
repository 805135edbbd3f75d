// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CertificatePolicyExtension,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  X509CrlGenerator,
  X509CrlReason,
  type Extension,
  type JsonGeneralNames,
  type PublicKeyType,
  type X509Certificate,
  type X509Crl,
} from '@peculiar/x509';
import { OID, TEST_POLICY_ARC } from './oids';

/**
 * A DoD-like test PKI: TEST ROOT CA → TEST ID CA (intermediate), both ECDSA P-384, plus a
 * look-alike root that is NOT a trust anchor (for the "untrusted issuer" case). Certificates
 * follow the CAC/PIV profile: CN `LAST.FIRST.MIDDLE.EDIPI`, UPN otherName in the SAN, policies
 * under TEST_POLICY_ARC, the DoD key usages and EKUs per PIV key slot. Test data only.
 */
export interface TestCa {
  cert: X509Certificate;
  keys: CryptoKeyPair;
}

export interface TestPki {
  root: TestCa;
  intermediate: TestCa;
  /** A CA outside the trust anchors. */
  untrustedRoot: TestCa;
  policyArc: string;
}

export type TestCertUsage = 'piv-auth' | 'signature' | 'key-management' | 'card-auth';
/** What is wrong with a test card's certificates, if anything. */
export type TestCardCase = 'good' | 'revoked' | 'expired' | 'untrusted' | 'wrong-eku' | 'no-upn';

export interface TestPerson {
  last: string;
  first: string;
  middle: string;
  edipi: string;
}

const CA_ALG = { name: 'ECDSA', namedCurve: 'P-384' } as const;
const CA_SIGN = { name: 'ECDSA', hash: 'SHA-384' } as const;
const DAY = 86_400_000;
/** The policy OIDs our test certificates assert: the test arc's "medium hardware" (.9) and "PIV auth" (.10). */
export const TEST_POLICY_HARDWARE = `${TEST_POLICY_ARC}.9`;
export const TEST_POLICY_PIV_AUTH = `${TEST_POLICY_ARC}.10`;

// In ASN.1 order, as on DoD certificates: C first, CN last.
const dn = (cn: string, ou = 'USA') => `C=US, O=U.S. Government, OU=DoD, OU=PKI, OU=${ou}, CN=${cn}`;
const caDn = (cn: string) => `C=US, O=U.S. Government, OU=DoD, OU=PKI, CN=${cn}`;

/** Days test CAs and cards were valid before they were made: seeded history (the demo's weeks of traffic) lies inside. */
const BACKDATED = 60;

/** A positive serial number of 16 random bytes (RFC 5280 §4.1.2.2: at most 20 octets, positive). */
export function randomSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}

async function caKeys(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(CA_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function selfSignedRoot(cn: string, now: Date): Promise<TestCa> {
  const keys = await caKeys();
  const cert = await X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: caDn(cn),
    notBefore: new Date(now.getTime() - BACKDATED * DAY),
    notAfter: new Date(now.getTime() + 3650 * DAY),
    keys,
    signingAlgorithm: CA_SIGN,
    extensions: [
      new BasicConstraintsExtension(true, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
      new CertificatePolicyExtension([OID.anyPolicy]),
    ],
  });
  return { cert, keys };
}

export async function createTestPki(now = new Date()): Promise<TestPki> {
  const root = await selfSignedRoot('ARX TEST ROOT CA 1', now);
  const keys = await caKeys();
  const cert = await X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: caDn('ARX TEST ID CA-1'),
    issuer: root.cert.subjectName,
    notBefore: new Date(now.getTime() - BACKDATED * DAY),
    notAfter: new Date(now.getTime() + 1825 * DAY),
    publicKey: keys.publicKey,
    signingKey: root.keys.privateKey,
    signingAlgorithm: CA_SIGN,
    extensions: [
      new BasicConstraintsExtension(true, 0, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
      await AuthorityKeyIdentifierExtension.create(root.keys.publicKey),
      new CertificatePolicyExtension([TEST_POLICY_HARDWARE, TEST_POLICY_PIV_AUTH]),
    ],
  });
  const untrustedRoot = await selfSignedRoot('ROGUE TEST ROOT CA', now);
  return { root, intermediate: { cert, keys }, untrustedRoot, policyArc: TEST_POLICY_ARC };
}

export function commonName(p: TestPerson): string {
  return `${p.last}.${p.first}.${p.middle}.${p.edipi}`;
}

export interface CardCertificateRequest {
  person: TestPerson;
  usage: TestCertUsage;
  case: TestCardCase;
  /** The card's public key (SubjectPublicKeyInfo DER or a CryptoKey). */
  publicKey: PublicKeyType;
  keyType: 'ec' | 'rsa';
  now?: Date;
}

/** Issues one card certificate under the intermediate (or the untrusted root for case 'untrusted'). */
export async function issueCardCertificate(pki: TestPki, req: CardCertificateRequest): Promise<X509Certificate> {
  const now = req.now ?? new Date();
  const issuer = req.case === 'untrusted' ? pki.untrustedRoot : pki.intermediate;
  const { person, usage } = req;
  const ku = {
    'piv-auth': KeyUsageFlags.digitalSignature,
    signature: KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation,
    'key-management': req.keyType === 'ec' ? KeyUsageFlags.keyAgreement : KeyUsageFlags.keyEncipherment,
    'card-auth': KeyUsageFlags.digitalSignature,
  }[usage];
  let eku: string[] = {
    'piv-auth': [OID.ekuSmartcardLogon, OID.ekuClientAuth, OID.ekuPkinitClientAuth],
    signature: [OID.ekuEmailProtection, OID.ekuDocumentSigning],
    'key-management': [OID.ekuEmailProtection],
    'card-auth': [OID.ekuPivCardAuth],
  }[usage];
  const email = `${person.first.toLowerCase()}.${person.last.toLowerCase()}.test@mail.mil`;
  let san: JsonGeneralNames | null = {
    'piv-auth': [{ type: 'upn' as const, value: `${person.edipi}000001@mil` }],
    signature: [
      { type: 'email' as const, value: email },
      { type: 'upn' as const, value: `${person.edipi}@mil` },
    ],
    'key-management': [{ type: 'email' as const, value: email }],
    'card-auth': null,
  }[usage];
  if (usage === 'piv-auth' && req.case === 'wrong-eku') eku = [OID.ekuEmailProtection];
  if (usage === 'piv-auth' && req.case === 'no-upn') san = [{ type: 'email', value: email }];
  const extensions: Extension[] = [
    new KeyUsagesExtension(ku, true),
    new ExtendedKeyUsageExtension(eku),
    new CertificatePolicyExtension(usage === 'piv-auth' ? [TEST_POLICY_PIV_AUTH] : [TEST_POLICY_HARDWARE]),
    await SubjectKeyIdentifierExtension.create(req.publicKey),
    await AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
  ];
  if (san) extensions.push(new SubjectAlternativeNameExtension(san));
  const expired = req.case === 'expired';
  return X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    // Card Authentication certificates name the card, not the person (FIPS 201).
    subject: usage === 'card-auth' ? dn(`CARD AUTH ${person.edipi}`) : dn(commonName(person)),
    issuer: issuer.cert.subjectName,
    notBefore: new Date(now.getTime() - (expired ? 1100 : BACKDATED) * DAY),
    notAfter: new Date(now.getTime() + (expired ? -1 : 1095) * DAY),
    publicKey: req.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: CA_SIGN,
    extensions,
  });
}

/** A CRL from `ca` listing `revoked`; nextUpdate in the past makes an expired CRL. */
export async function issueCrl(
  ca: TestCa,
  revoked: readonly X509Certificate[],
  opts: { thisUpdate?: Date; nextUpdate?: Date } = {},
): Promise<X509Crl> {
  const thisUpdate = opts.thisUpdate ?? new Date(Date.now() - 60_000);
  return X509CrlGenerator.create({
    issuer: ca.cert.subjectName,
    thisUpdate,
    nextUpdate: opts.nextUpdate ?? new Date(thisUpdate.getTime() + 30 * DAY),
    entries: revoked.map((c) => ({
      serialNumber: c.serialNumber,
      revocationDate: thisUpdate,
      reason: X509CrlReason.keyCompromise,
    })),
    signingKey: ca.keys.privateKey,
    signingAlgorithm: CA_SIGN,
    extensions: [await AuthorityKeyIdentifierExtension.create(ca.keys.publicKey)],
  });
}
