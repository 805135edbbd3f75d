import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recoveryUnwrapper } from '../../../electron/main/cache/key-wrap';
import {
  CompanionKeys,
  openSeed,
  unwrapSeed,
  verifyMlDsa87,
  wrapSeed,
} from '../../../electron/main/companion/companion-keys';
import {
  COMPANION_ATTESTATION_PAYLOAD_TYPE,
  attestationBytes,
  companionKeyId,
  newAttestation,
  openAttestation,
} from '../../../shared/companion';
import { envelopeOf, pae } from '../../../shared/dsse';
import { asyncFailureCode, failureCode } from '../../support/failure-code';

/** docs/companion-keys.md, "Test vector": every value below is quoted there. */
const SEED = Uint8Array.from({ length: 64 }, (_, i) => i);
const VECTOR = {
  ed25519: '03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8',
  mlDsa87Sha256: '7fb4a11ecf3aea688ac97022a7cdb27cf0ac9c3ab1ab69df13cb53391d2af9e6',
  keyId: 'a30b668017b6e9457268aac65a2dc3f5927f38532630f1c8e5135dd24db6c5c5',
  statementBytes: 3976,
  statementSha256: '49d057f6c1559e0fc76aad218e9fbda33feb5ad8e29848bddf68286112bc1cd2',
  paeSha256: 'ffbd09bb680a12f114b6eae57177589ca26412cd1c7d9d66a7414eacf1482c3f',
};
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function vectorStatement(keys: CompanionKeys) {
  return newAttestation({
    createdAt: new Date('2026-12-01T12:00:00.000Z'),
    edipi: '1000000001',
    operatorId: '6f1b7a52-3c1e-4d2a-9b8e-0a1b2c3d4e5f',
    keyManagementCertificateSha256: '1'.repeat(64),
    signingCertificateSha256: '2'.repeat(64),
    ed25519: keys.ed25519Public,
    mlDsa87: keys.mlDsa87Public,
    replaces: null,
  });
}

describe('companion key attestation (docs/companion-keys.md)', () => {
  it('the test vector: keys from the seed, key id, statement bytes and the PAE the card signs', () => {
    const keys = new CompanionKeys(SEED);
    // Ed25519 from seed[0..32], cross-checked with node:crypto (RFC 8032 key generation).
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SEED.subarray(0, 32)]);
    const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({
      type: 'spki',
      format: 'der',
    });
    expect(Buffer.from(keys.ed25519Public).toString('hex')).toBe(spki.subarray(12).toString('hex'));
    expect(Buffer.from(keys.ed25519Public).toString('hex')).toBe(VECTOR.ed25519);
    expect(keys.mlDsa87Public).toHaveLength(2592);
    expect(sha(keys.mlDsa87Public)).toBe(VECTOR.mlDsa87Sha256);
    const independent = sha(
      Buffer.concat([Buffer.from('arx companion key v1\n'), keys.ed25519Public, keys.mlDsa87Public]),
    );
    expect(companionKeyId(keys.ed25519Public, keys.mlDsa87Public)).toBe(independent);
    expect(keys.keyId).toBe(VECTOR.keyId);
    const bytes = attestationBytes(vectorStatement(keys));
    expect(bytes).toHaveLength(VECTOR.statementBytes);
    expect(sha(bytes)).toBe(VECTOR.statementSha256);
    expect(sha(pae(COMPANION_ATTESTATION_PAYLOAD_TYPE, bytes))).toBe(VECTOR.paeSha256);
  });

  it('opens only canonical statements for the card named, with the key id of their keys', () => {
    const keys = new CompanionKeys(SEED);
    const st = vectorStatement(keys);
    const env = (payload: Uint8Array, keyid = '2'.repeat(64)) =>
      envelopeOf(COMPANION_ATTESTATION_PAYLOAD_TYPE, payload, [{ keyid, sig: new Uint8Array([1]) }]);
    const good = openAttestation(env(attestationBytes(st)), '2'.repeat(64));
    expect(good.ok && good.value.statement.keyId).toBe(VECTOR.keyId);
    const code = (e: unknown, signer = '2'.repeat(64)) => {
      const r = openAttestation(e, signer);
      return r.ok ? 'ok' : r.code;
    };
    const spaced = new TextEncoder().encode(JSON.stringify(st, null, 1));
    expect(code(env(spaced))).toBe('COMPANION_ATTESTATION_INVALID');
    expect(code(env(attestationBytes({ ...st, keyId: '0'.repeat(64) })))).toBe('COMPANION_ATTESTATION_INVALID');
    const otherKeys = new CompanionKeys(new Uint8Array(64).fill(7));
    const swapped = { ...st, keys: { ...st.keys, ed25519: Buffer.from(otherKeys.ed25519Public).toString('base64') } };
    expect(code(env(attestationBytes(swapped)))).toBe('COMPANION_ATTESTATION_INVALID');
    expect(code(env(attestationBytes(st)), '3'.repeat(64))).toBe('COMPANION_ATTESTATION_OTHER_CARD');
    expect(code(env(attestationBytes(st), '3'.repeat(64)))).toBe('COMPANION_ATTESTATION_OTHER_CARD');
    expect(code({ ...env(attestationBytes(st)), payloadType: 'application/vnd.in-toto+json' })).toBe(
      'COMPANION_ATTESTATION_INVALID',
    );
  });

  it('signs with ML-DSA-87 until wiped, then refuses with COMPANION_KEY_LOCKED', () => {
    const keys = new CompanionKeys(SEED);
    const msg = new TextEncoder().encode('manifest PAE');
    const sig = keys.signMlDsa87(msg);
    expect(sig).toHaveLength(4627);
    expect(verifyMlDsa87(keys.mlDsa87Public, msg, sig)).toBe(true);
    sig[100]! ^= 1;
    expect(verifyMlDsa87(keys.mlDsa87Public, msg, sig)).toBe(false);
    keys.wipe();
    expect(keys.held).toBe(false);
    expect(failureCode(() => keys.signMlDsa87(msg))).toBe('COMPANION_KEY_LOCKED');
    expect(failureCode(() => keys.signEd25519(msg))).toBe('COMPANION_KEY_LOCKED');
  });

  for (const kind of ['ec', 'rsa'] as const) {
    it(`${kind}: the wrap opens with the 9D key for its operator and key only`, async () => {
      const kp =
        kind === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
          : generateKeyPairSync('rsa', { modulusLength: 2048 });
      const by = recoveryUnwrapper(
        Buffer.from(kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
        null,
        'mem',
      );
      const keys = new CompanionKeys(SEED);
      const binding = { operatorId: '6f1b7a52-3c1e-4d2a-9b8e-0a1b2c3d4e5f', keyId: keys.keyId };
      const wrap = wrapSeed(SEED, kp.publicKey, binding);
      expect(JSON.stringify(wrap)).not.toContain(Buffer.from(SEED.subarray(0, 32)).toString('base64').slice(0, 20));
      expect(Buffer.from(await openSeed(wrap, by, binding))).toEqual(Buffer.from(SEED));
      expect((await unwrapSeed(wrap, by, binding)).keyId).toBe(keys.keyId);
      const other = { ...binding, operatorId: '00000000-0000-4000-8000-000000000000' };
      expect(await asyncFailureCode(openSeed(wrap, by, other))).toBe('COMPANION_KEY_UNWRAP_FAILED');
      expect(await asyncFailureCode(unwrapSeed(wrap, by, { ...binding, keyId: '0'.repeat(64) }))).toBe(
        'COMPANION_KEY_UNWRAP_FAILED',
      );
      const theirs =
        kind === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
          : generateKeyPairSync('rsa', { modulusLength: 2048 });
      const wrong = recoveryUnwrapper(
        Buffer.from(theirs.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
        null,
        'mem',
      );
      expect(await asyncFailureCode(openSeed(wrap, wrong, binding))).toBe('COMPANION_KEY_UNWRAP_FAILED');
    });
  }
});
