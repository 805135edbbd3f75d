import 'reflect-metadata';
import { createHash, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { pae } from '../../../shared/dsse';
import { ADMIN_PAYLOAD_TYPE, grantSignatureCheck } from '../../../electron/main/pki/grant-signatures';

/**
 * Grant signatures checked against enrolled certificates, and the memo of their outcomes: a
 * review repeated in one process must refuse exactly what the first one refused.
 */
x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const ADMIN = '00000000-0000-4000-8000-0000000000a1';
const OTHER = '00000000-0000-4000-8000-0000000000a2';
const want = { action: 'role.grant', tenantId: 't', operatorId: 'o', role: 'auditor' };

async function signingCertificate() {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=TEST.ADMIN.A.1000000001',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys,
    signingAlgorithm: ALG,
  });
  const der = new Uint8Array(cert.rawData);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { der, sha256: createHash('sha256').update(der).digest('hex'), key: pkcs8 };
}

let a: Awaited<ReturnType<typeof signingCertificate>>;
let b: Awaited<ReturnType<typeof signingCertificate>>;

beforeAll(async () => {
  [a, b] = await Promise.all([signingCertificate(), signingCertificate()]);
});

function envelope(statement: object, by = a, keyid = a.sha256) {
  const payload = Buffer.from(JSON.stringify(statement));
  const sig = sign('sha256', pae(ADMIN_PAYLOAD_TYPE, payload), {
    key: by.key,
    format: 'der',
    type: 'pkcs8',
    dsaEncoding: 'der',
  });
  return {
    payloadType: ADMIN_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [{ keyid, sig: sig.toString('base64') }],
  };
}

const certs = (der = a.der, operatorId = ADMIN, usage = 'signature') =>
  new Map([[a.sha256, { operatorId, usage, der }]]);

describe('grant signatures', () => {
  it('verifies a grant signed by the granting administrator’s signing certificate, again and again', () => {
    const env = envelope(want);
    for (let i = 0; i < 3; i++) expect(grantSignatureCheck(env, ADMIN, want, certs())).toBe('verified');
  });

  it('refuses, after a verified check of the same statement, a changed signature, key, owner or usage', () => {
    const env = envelope(want);
    expect(grantSignatureCheck(env, ADMIN, want, certs())).toBe('verified');
    const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
    sig[sig.length - 1]! ^= 1;
    const flipped = { ...env, signatures: [{ ...env.signatures[0]!, sig: sig.toString('base64') }] };
    expect(grantSignatureCheck(flipped, ADMIN, want, certs())).toBe('invalid');
    // The same keyid mapped to another certificate (a database that swapped the DER).
    expect(grantSignatureCheck(env, ADMIN, want, certs(b.der))).toBe('invalid');
    expect(grantSignatureCheck(env, OTHER, want, certs(a.der, ADMIN))).toBe('invalid');
    expect(grantSignatureCheck(env, ADMIN, want, certs(a.der, ADMIN, 'piv-auth'))).toBe('invalid');
    expect(grantSignatureCheck(env, ADMIN, { ...want, role: 'isso' }, certs())).toBe('invalid');
    expect(grantSignatureCheck(env, ADMIN, want, certs())).toBe('verified');
  });

  it('refuses a statement signed by another key under the administrator’s keyid, and a missing envelope', () => {
    expect(grantSignatureCheck(envelope(want, b, a.sha256), ADMIN, want, certs())).toBe('invalid');
    expect(grantSignatureCheck(null, ADMIN, want, certs())).toBe('missing');
  });
});
