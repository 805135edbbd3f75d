import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthorityKeyIdentifierExtension,
  X509CertificateGenerator,
  type X509Certificate,
  type X509Crl,
} from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOD_POLICY_ARC, TEST_POLICY_ARC } from '../../../electron/main/pki/oids';
import {
  createTestPki,
  issueCardCertificate,
  issueCrl,
  type TestCardCase,
  type TestPki,
} from '../../../electron/main/pki/test-pki';
import { loadTrustStore, type TrustStore } from '../../../electron/main/pki/trust-store';
import { validateCertificate, type ValidationPolicy } from '../../../electron/main/pki/validate';

const person = (edipi: string) => ({ last: 'TESTER', first: 'PAT', middle: 'Q', edipi });
const policy: ValidationPolicy = { policyArcs: [TEST_POLICY_ARC] };

let pki: TestPki;
let store: TrustStore;
let rootCrl: X509Crl;
const certs = {} as Record<TestCardCase, X509Certificate>;
let signatureCert: X509Certificate;

async function cardKey() {
  return (
    (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
  ).publicKey;
}

beforeAll(async () => {
  pki = await createTestPki();
  const cases: TestCardCase[] = ['good', 'revoked', 'expired', 'untrusted', 'wrong-eku', 'no-upn'];
  for (const [i, c] of cases.entries()) {
    certs[c] = await issueCardCertificate(pki, {
      person: person(`100000000${i}`),
      usage: 'piv-auth',
      case: c,
      publicKey: await cardKey(),
      keyType: 'ec',
    });
  }
  signatureCert = await issueCardCertificate(pki, {
    person: person('1000000000'),
    usage: 'signature',
    case: 'good',
    publicKey: await cardKey(),
    keyType: 'ec',
  });
  rootCrl = await issueCrl(pki.root, []);
  store = {
    anchors: [pki.root.cert],
    intermediates: [pki.intermediate.cert],
    crls: [rootCrl, await issueCrl(pki.intermediate, [certs.revoked])],
  };
});

const codeOf = async (
  cert: X509Certificate,
  s: TrustStore = store,
  p: ValidationPolicy = policy,
  purpose: 'login' | 'signature' = 'login',
) => {
  const r = await validateCertificate(cert, s, purpose, p);
  return r.ok ? 'OK' : r.error.code;
};

describe('offline path validation against the test PKI', () => {
  it('accepts a good PIV Authentication certificate, with its path, policy and EDIPI', async () => {
    const r = await validateCertificate(certs.good, store, 'login', policy);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.path).toEqual([certs.good.subject, pki.intermediate.cert.subject, pki.root.cert.subject]);
    expect(r.value.identity?.edipi).toBe('1000000000');
    expect(r.value.policies).toEqual([`${TEST_POLICY_ARC}.10`]);
    expect(r.value.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.value.warnings).toEqual([]);
  });

  it.each([
    ['revoked', 'CERT_REVOKED'],
    ['expired', 'CERT_EXPIRED'],
    ['untrusted', 'CERT_UNTRUSTED'],
    ['wrong-eku', 'CERT_WRONG_EKU'],
    ['no-upn', 'CERT_UPN_MISSING'],
  ] as const)('refuses the %s certificate with %s, naming the subject', async (c, code) => {
    const r = await validateCertificate(certs[c], store, 'login', policy);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe(code);
    expect(r.error.message).toContain(c === 'untrusted' ? 'ROGUE TEST ROOT CA' : 'TESTER.PAT.Q.');
  });

  it('fails closed on a CRL past its nextUpdate (CRL_EXPIRED), and only warns when configured to', async () => {
    const stale = await issueCrl(pki.intermediate, [], {
      thisUpdate: new Date(Date.now() - 40 * 86_400_000),
      nextUpdate: new Date(Date.now() - 86_400_000),
    });
    const s = { ...store, crls: [rootCrl, stale] };
    expect(await codeOf(certs.good, s)).toBe('CRL_EXPIRED');
    const r = await validateCertificate(certs.good, s, 'login', { ...policy, staleCrl: 'warn' });
    expect(r.ok && r.value.warnings.map((w) => w.code)).toEqual(['CRL_EXPIRED']);
  });

  it('refuses when the issuer has no CRL (CRL_MISSING) or its CRL is signed by another key (CRL_SIGNATURE_INVALID)', async () => {
    expect(await codeOf(certs.good, { ...store, crls: [rootCrl] })).toBe('CRL_MISSING');
    const forged = await issueCrl({ cert: pki.intermediate.cert, keys: pki.untrustedRoot.keys }, []);
    expect(await codeOf(certs.good, { ...store, crls: [rootCrl, forged] })).toBe('CRL_SIGNATURE_INVALID');
  });

  it('refuses a certificate whose signature does not verify with its named issuer (CERT_SIGNATURE_INVALID)', async () => {
    const forged = await X509CertificateGenerator.create({
      serialNumber: '0badc0de',
      subject: certs.good.subjectName,
      issuer: pki.intermediate.cert.subjectName,
      publicKey: await cardKey(),
      signingKey: pki.untrustedRoot.keys.privateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
      extensions: [
        ...certs.good.extensions.filter((e) => e.type !== '2.5.29.35'),
        await AuthorityKeyIdentifierExtension.create(pki.intermediate.keys.publicKey),
      ],
    });
    expect(await codeOf(forged)).toBe('CERT_SIGNATURE_INVALID');
  });

  it('refuses a certificate without a policy under the configured arc (CERT_POLICY_MISSING): test certificates never pass a DoD configuration', async () => {
    expect(await codeOf(certs.good, store, { policyArcs: [DOD_POLICY_ARC] })).toBe('CERT_POLICY_MISSING');
    expect(await codeOf(certs.good, store, {})).toBe('CERT_POLICY_MISSING');
  });

  it('signature purpose needs digitalSignature + nonRepudiation: the Digital Signature certificate passes, the PIV Authentication one does not', async () => {
    expect(await codeOf(signatureCert, store, policy, 'signature')).toBe('OK');
    expect(await codeOf(certs.good, store, policy, 'signature')).toBe('CERT_WRONG_KEY_USAGE');
  });

  it('refuses a certificate that is not yet valid, and validates at a configured time', async () => {
    const at = new Date(Date.now() - 90 * 86_400_000);
    expect(await codeOf(certs.good, store, { ...policy, at })).toBe('CERT_NOT_YET_VALID');
  });

  it('refuses a path through a trust anchor that is missing (only the intermediate known): CERT_UNTRUSTED', async () => {
    expect(await codeOf(certs.good, { ...store, anchors: [pki.untrustedRoot.cert] })).toBe('CERT_UNTRUSTED');
  });

  describe('trust store files', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'arx-pki-'));
      for (const d of ['anchors', 'intermediates', 'crls']) mkdirSync(join(dir, d));
      writeFileSync(join(dir, 'anchors', 'root.pem'), pki.root.cert.toString('pem'));
      writeFileSync(join(dir, 'intermediates', 'ca.der'), new Uint8Array(pki.intermediate.cert.rawData));
      writeFileSync(join(dir, 'crls', 'root.crl'), new Uint8Array(rootCrl.rawData));
      writeFileSync(join(dir, 'crls', 'ca.pem'), store.crls[1]!.toString('pem'));
      writeFileSync(join(dir, 'anchors', 'README.txt'), 'ignored: not a certificate extension');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('loads PEM and DER anchors, intermediates and CRLs from directories', async () => {
      const s = loadTrustStore({
        anchors: join(dir, 'anchors'),
        intermediates: join(dir, 'intermediates'),
        crls: join(dir, 'crls'),
      });
      expect([s.anchors.length, s.intermediates.length, s.crls.length]).toEqual([1, 1, 2]);
      expect(await codeOf(certs.good, s)).toBe('OK');
      expect(await codeOf(certs.revoked, s)).toBe('CERT_REVOKED');
    });

    it('names the file that is not a certificate (PKI_FILE_INVALID)', () => {
      writeFileSync(
        join(dir, 'anchors', 'broken.pem'),
        '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      );
      expect(() => loadTrustStore({ anchors: join(dir, 'anchors') })).toThrow(/broken\.pem/);
      rmSync(join(dir, 'anchors', 'broken.pem'));
    });
  });
});
