import 'reflect-metadata';
import { constants, createPrivateKey, diffieHellman, privateDecrypt, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import {
  keyManagementCertificateSha256,
  prepareOperatorLogin,
  unwrapOperatorPassword,
  wrapOperatorPassword,
} from '../../../electron/main/crypto/operator-login-wrap';
import { pointToKey, type KeyUnwrapper } from '../../../electron/main/crypto/recipient-wrap';

/** A key-management certificate and a software stand-in for the card's 9D key (the card itself: test/integration/card). */
async function keyManagement(kind: 'ec' | 'rsa'): Promise<{ der: Uint8Array; card: KeyUnwrapper }> {
  const alg =
    kind === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=TEST KEY MANAGEMENT',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: alg,
    keys,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const card: KeyUnwrapper = {
    kind,
    describe: 'card',
    async deriveSharedSecret(point) {
      return diffieHellman({ privateKey, publicKey: pointToKey(point, 'prime256v1', 'X') });
    },
    async decryptOaep(c) {
      return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, c);
    },
  };
  return { der: new Uint8Array(cert.rawData), card };
}

const ROLE = 'arx_op_0123456789abcdef0123456789abcdef';

describe('the operator login wrap', () => {
  for (const kind of ['ec', 'rsa'] as const) {
    it(`wraps with the certificate alone and unwraps with the ${kind.toUpperCase()} key only for its role`, async () => {
      const km = await keyManagement(kind);
      const password = Buffer.from('a'.repeat(43));
      const { wrap, wrapKeySha256 } = wrapOperatorPassword(password, ROLE, km.der);
      expect(Buffer.from(wrapKeySha256)).toEqual(Buffer.from(keyManagementCertificateSha256(km.der)));
      expect(Buffer.from(wrap).includes(password)).toBe(false);
      expect((await unwrapOperatorPassword(wrap, ROLE, km.der, km.card)).toString()).toBe(password.toString());
      // Another role, another key, a flipped bit: never opens.
      const other = ROLE.replace('0123', '9999');
      await expect(unwrapOperatorPassword(wrap, other, km.der, km.card)).rejects.toMatchObject({
        code: 'OPERATOR_LOGIN_UNWRAP_FAILED',
      });
      const stranger = await keyManagement(kind);
      await expect(unwrapOperatorPassword(wrap, ROLE, km.der, stranger.card)).rejects.toMatchObject({
        code: 'OPERATOR_LOGIN_UNWRAP_FAILED',
      });
      const flipped = Uint8Array.from(wrap);
      flipped[flipped.length - 1]! ^= 1;
      await expect(unwrapOperatorPassword(flipped, ROLE, km.der, km.card)).rejects.toMatchObject({
        code: 'OPERATOR_LOGIN_UNWRAP_FAILED',
      });
      await expect(unwrapOperatorPassword(wrap.subarray(0, 10), ROLE, km.der, km.card)).rejects.toMatchObject({
        code: 'OPERATOR_LOGIN_UNWRAP_FAILED',
      });
    });
  }

  it('prepares 256 random bits as a SCRAM verifier and a wrap that unwraps to the same password', async () => {
    const km = await keyManagement('ec');
    const a = prepareOperatorLogin(ROLE, km.der);
    const b = prepareOperatorLogin(ROLE, km.der);
    expect(a.scramVerifier).toMatch(/^SCRAM-SHA-256\$4096:/);
    const pa = await unwrapOperatorPassword(a.wrap, ROLE, km.der, km.card);
    const pb = await unwrapOperatorPassword(b.wrap, ROLE, km.der, km.card);
    expect(pa.length).toBe(43);
    expect(Buffer.from(pa.toString(), 'base64url').length).toBe(32);
    expect(pa.equals(pb)).toBe(false);
  });
});
