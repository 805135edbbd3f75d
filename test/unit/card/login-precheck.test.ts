import 'reflect-metadata';
import type { X509Certificate } from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArxFailure } from '../../../shared/contract';
import type { CardCertificate } from '../../../electron/main/card/card-service';
import { precheckLogin, type PrecheckDeps } from '../../../electron/main/card/login-precheck';
import { TEST_POLICY_ARC } from '../../../electron/main/pki/oids';
import { createTestPki, issueCardCertificate, issueCrl, type TestPki } from '../../../electron/main/pki/test-pki';
import type { TrustStore } from '../../../electron/main/pki/trust-store';

let pki: TestPki;
let store: TrustStore;
const issued: Record<'good' | 'expired' | 'revoked', X509Certificate> = {} as never;

const asCard = (cert: X509Certificate, role: CardCertificate['role'] = 'piv-authentication'): CardCertificate => ({
  id: role === 'piv-authentication' ? '01' : '03',
  label: role,
  role,
  keyReference: role === 'piv-authentication' ? '9A' : '9D',
  der: new Uint8Array(cert.rawData),
  subject: cert.subject,
  fingerprint: 'x',
});

beforeAll(async () => {
  pki = await createTestPki();
  for (const [i, c] of (['good', 'expired', 'revoked'] as const).entries()) {
    const key = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    issued[c] = await issueCardCertificate(pki, {
      person: { last: 'TESTER', first: 'PAT', middle: 'Q', edipi: `200000000${i}` },
      usage: 'piv-auth',
      case: c,
      publicKey: key.publicKey,
      keyType: 'ec',
    });
  }
  store = {
    anchors: [pki.root.cert],
    intermediates: [pki.intermediate.cert],
    crls: [await issueCrl(pki.root, []), await issueCrl(pki.intermediate, [issued.revoked])],
  };
});

const deps = (checkLogin?: PrecheckDeps['checkLogin']): PrecheckDeps => ({
  trustStore: () => store,
  policy: { policyArcs: [TEST_POLICY_ARC] },
  ...(checkLogin ? { checkLogin } : {}),
});

describe('login pre-check (before the PIN)', () => {
  it('finds an expired or revoked login certificate without the PIN', async () => {
    expect((await precheckLogin(deps(), [asCard(issued.expired)], null))?.code).toBe('CERT_EXPIRED');
    expect((await precheckLogin(deps(), [asCard(issued.revoked)], null))?.code).toBe('CERT_REVOKED');
  });

  it('asks the control plane about the EDIPI and the 9D certificate, and reports its refusal', async () => {
    const seen: [string, Uint8Array | null][] = [];
    const km = asCard(issued.good, 'key-management');
    const problem = await precheckLogin(
      deps(async (edipi, der) => {
        seen.push([edipi, der]);
        throw new ArxFailure('OPERATOR_LOGIN_NOT_ENROLLED', `No database login is enrolled for EDIPI ${edipi}.`);
      }),
      [asCard(issued.good), km],
      null,
    );
    expect(problem).toEqual({
      code: 'OPERATOR_LOGIN_NOT_ENROLLED',
      message: 'No database login is enrolled for EDIPI 2000000000.',
    });
    expect(seen).toEqual([['2000000000', km.der]]);
  });

  it('reports an unreachable control plane with its code', async () => {
    const unreachable = deps(async () => {
      throw new ArxFailure('DB_UNREACHABLE', 'The control plane is not connected.');
    });
    expect((await precheckLogin(unreachable, [asCard(issued.good)], null))?.code).toBe('DB_UNREACHABLE');
  });

  it('says nothing when the card can log in, and names a missing login certificate', async () => {
    expect(
      await precheckLogin(
        deps(async () => {}),
        [asCard(issued.good)],
        null,
      ),
    ).toBeNull();
    expect((await precheckLogin(deps(), [], null))?.code).toBe('CARD_CERT_MISSING');
    expect((await precheckLogin(deps(), [asCard(issued.good)], 'no-such-id'))?.code).toBe('CARD_CERT_MISSING');
  });
});
