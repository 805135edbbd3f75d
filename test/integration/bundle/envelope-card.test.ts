import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recipientFromFile } from '../../../electron/main/bundle/envelope/keys';
import { sealBundleFile } from '../../../electron/main/bundle/envelope/seal';
import { provisionTestCards, TEST_CARDS, type ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { runCli } from '../../../electron/main/cli/arx';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';
import { generateMlKemKey, mlKemPrivatePem, mlKemPublicPem } from '../../../electron/main/crypto/hybrid-kem';
import { chainBundle } from '../../unit/bundle/chain-bundle';

/**
 * Encrypted bundles opened with real cards (SoftHSM2 through PKCS#11): `arx bundle verify --card`
 * opens a stanza sealed to the card's key-management key (EC: C_DeriveKey; RSA: C_Decrypt OAEP), and
 * a hybrid stanza with the card holder's ML-KEM key file; another card is refused.
 */
const ADAMS = TEST_CARDS.find((c) => c.label === 'ARX TEST ADAMS EC')!;
const BAKER = TEST_CARDS.find((c) => c.label === 'ARX TEST BAKER RSA')!;
const OTHER = { ...ADAMS, label: 'ARX TEST OTHER EC', person: { ...ADAMS.person, last: 'OTHER', edipi: '1000000099' } };

let dir: string;
let cards: ProvisionedTestCards;
let clear: string;
let sealed: string;
let env: NodeJS.ProcessEnv;

async function cli(args: string[], stdin = '') {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    out: (t) => (out += `${t}\n`),
    err: (t) => (err += `${t}\n`),
    env,
    readStdin: async () => stdin,
  });
  return { code, out, err };
}

const keyManagement = (label: string) =>
  cards.cards.find((c) => c.label === label)!.certificates.find((c) => c.usage === 'key-management')!.file;

const verify = (file: string, ...more: string[]) =>
  cli(
    ['bundle', 'verify', file, '--trust', cards.trustAnchors, '--allow-unpinned-gateway-keys', '--json', ...more],
    '123456\n',
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-envelope-card-'));
  cards = await provisionTestCards(join(dir, 'cards'), { specs: [ADAMS, BAKER, OTHER] });
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  env = { SOFTHSM2_CONF: cards.softhsm2Conf, ARX_PKCS11_MODULE: cards.module, ARX_DATA_DIR: join(dir, 'data') };
  clear = join(dir, 'clear.arxbundle');
  writeFileSync(clear, chainBundle(await loadBlake3(), 30));

  // ADAMS gets an ML-KEM key sealed to his card; BAKER (RSA) stays classical; the recovery key is hybrid.
  const made = await cli([
    'bundle',
    'kem-key',
    '--cert',
    keyManagement(ADAMS.label),
    '--out',
    join(dir, 'adams-kem.json'),
    '--public-out',
    join(dir, 'adams.pem'),
  ]);
  expect(made.code, made.err).toBe(0);
  const ec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const kem = generateMlKemKey();
  writeFileSync(
    join(dir, 'recovery.pem'),
    `${ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string}${mlKemPrivatePem(kem.seed)}`,
  );
  const recoveryPub = `${ec.publicKey.export({ type: 'spki', format: 'pem' }) as string}${mlKemPublicPem(kem.encapsulationKey)}`;
  sealed = join(dir, 'sealed.arxbundle');
  sealBundleFile(clear, sealed, [
    recipientFromFile(readFileSync(join(dir, 'adams.pem')), 'adams.pem', 'card'),
    recipientFromFile(readFileSync(keyManagement(BAKER.label)), 'baker.der', 'card'),
    recipientFromFile(Buffer.from(recoveryPub), 'recovery.pub.pem', 'recovery'),
  ]);
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('arx bundle verify of an encrypted bundle', () => {
  it('opens with a recipient card (hybrid EC, classical RSA) or the recovery key, and reports as in clear', async () => {
    const inClear = await verify(clear);
    expect(inClear.code).toBe(1); // the test bundle is unsigned: a readable bundle whose checks fail
    const expected = JSON.parse(inClear.out) as Record<string, unknown>;
    const opened = [
      await verify(sealed, '--card', '--token', ADAMS.label, '--kem-key', join(dir, 'adams-kem.json'), '--pin-stdin'),
      await verify(sealed, '--card', '--token', BAKER.label, '--pin-stdin'),
      await verify(sealed, '--recovery-key', join(dir, 'recovery.pem')),
    ];
    const by = opened.map((r) => {
      expect(r.code, r.err).toBe(1);
      const { envelope, ...report } = JSON.parse(r.out) as { envelope: { openedBy: string; hybrid: boolean } };
      expect(report).toEqual(expected);
      return envelope;
    });
    expect(by).toEqual([
      { recipients: 3, openedBy: 'card', hybrid: true },
      { recipients: 3, openedBy: 'card', hybrid: false },
      { recipients: 3, openedBy: 'recovery key', hybrid: true },
    ]);
  });

  it('refuses another card, a hybrid stanza without its ML-KEM key, and a file opened with nothing', async () => {
    const fatal = async (r: Promise<{ code: number; out: string }>) => {
      const x = await r;
      expect(x.code).toBe(2);
      return (JSON.parse(x.out) as { fatal: { code: string } }).fatal.code;
    };
    expect(await fatal(verify(sealed, '--card', '--token', OTHER.label, '--pin-stdin'))).toBe('BUNDLE_WRONG_CARD');
    expect(await fatal(verify(sealed, '--card', '--token', ADAMS.label, '--pin-stdin'))).toBe(
      'BUNDLE_KEY_UNWRAP_FAILED',
    );
    expect(await fatal(verify(sealed))).toBe('BUNDLE_ENCRYPTED_KEY_REQUIRED');
    const flipped = join(dir, 'flipped.arxbundle');
    const b = readFileSync(sealed);
    b[b.length - 100]! ^= 0x80;
    writeFileSync(flipped, b);
    expect(await fatal(verify(flipped, '--card', '--token', BAKER.label, '--pin-stdin'))).toBe(
      'BUNDLE_CIPHERTEXT_TAMPERED',
    );
  });
});
