// The virtual PIV card behind pcscd, read by OpenSC's own pkcs11-tool through opensc-pkcs11.so:
// the objects, labels and ids that OpenSC's PIV driver makes of the card, and its token info.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleOf } from '../../../electron/main/card/piv-objects';
import { OPENSC_MODULE, startOpenscFixture, type OpenscFixture } from '../../support/virtual-piv/fixture';

let fx: OpenscFixture;

// Never execFileSync: the virtual card answers its APDUs on this thread's event loop.
const run = promisify(execFile);
const p11 = async (args: string[]) => (await run('pkcs11-tool', ['--module', OPENSC_MODULE, ...args])).stdout;

beforeAll(async () => {
  fx = await startOpenscFixture([{ label: 'ARX TEST ADAMS EC' }, { label: 'ARX TEST BAKER RSA' }]);
}, 240_000);

afterAll(async () => {
  await fx?.stack.stop();
});

/** pkcs11-tool -O output, split into one block per object. */
async function objects(slotIndex: number): Promise<string[]> {
  const out = await p11(['--slot-index', String(slotIndex), '-O']);
  return out.split(/\n(?=\S)/).filter((b) => /Object;|Data object/.test(b));
}

describe('the virtual PIV card through OpenSC', () => {
  it('appears in both readers with the CN of its PIV Authentication certificate as token label', async () => {
    const out = await p11(['-L']);
    expect(out).toContain('ARX Virtual PIV 00 00');
    expect(out).toContain('ARX Virtual PIV 00 01');
    expect(out).toContain('token label        : ADAMS.ALICE.ANN.1000000001');
    expect(out).toContain('token label        : BAKER.BRUCE.BO.1000000002');
    // OpenSC's serial number is the CHUID's GUID (FASC-N agency 9999), of which PKCS#11 keeps the
    // last 16 hex digits.
    for (const card of fx.cards) expect(out).toContain(`serial num         : ${card.guid.slice(-16)}`);
  });

  it('lists the four certificates with OpenSC PIV labels and ids 01..04, as the test PKI issued them', async () => {
    const certs = (await objects(0)).filter((b) => b.startsWith('Certificate Object'));
    const found = certs.map((b) => [/label:\s+(.*)/.exec(b)?.[1], /ID:\s+(\S+)/.exec(b)?.[1]]);
    expect(found).toEqual([
      ['Certificate for PIV Authentication', '01'],
      ['Certificate for Digital Signature', '02'],
      ['Certificate for Key Management', '03'],
      ['Certificate for Card Authentication', '04'],
    ]);
    const issued = new X509Certificate(fx.cards[0]!.certificates.get(0x9a)!.der);
    expect(certs[0]).toContain(`serial:     ${issued.serialNumber}`);
  });

  it('shows the key usages and the PIN-always rule of the Digital Signature key', async () => {
    const keys = await p11(['--slot-index', '0', '--login', '--pin', fx.cards[0]!.pin, '-O', '--type', 'privkey']);
    const sign = keys.split(/\n(?=\S)/).find((b) => b.includes('SIGN key'))!;
    expect(sign).toMatch(/ID:\s+02/);
    expect(sign).toContain('always authenticate');
    expect(keys.split(/\n(?=\S)/).find((b) => b.includes('KEY MAN key'))).toMatch(/Usage:\s+derive/);
    const rsa = await p11(['--slot-index', '1', '--login', '--pin', fx.cards[1]!.pin, '-O', '--type', 'privkey']);
    expect(rsa.split(/\n(?=\S)/).find((b) => b.includes('KEY MAN key'))).toMatch(/Usage:\s+.*decrypt/);
  });

  it('maps every key and certificate OpenSC lists to the PIV role of its id, by its label alone', async () => {
    const out = await p11(['--slot-index', '0', '--login', '--pin', fx.cards[0]!.pin, '-O']);
    const objects = out
      .split(/\n(?=\S)/)
      .filter((b) => /^(Private Key|Public Key|Certificate) Object/.test(b))
      .map((b) => ({ label: /label:\s+(.*)/.exec(b)![1]!, id: /ID:\s+(\S+)/.exec(b)![1]! }));
    // Private key, public key and certificate of each of the four PIV keys.
    expect(objects.length).toBe(12);
    for (const { label, id } of objects) {
      expect(roleOf(label, ''), label).toBe(roleOf('', id));
      expect(roleOf(label, ''), label).not.toBe('other');
    }
    expect(new Set(objects.map((o) => roleOf(o.label, '')))).toEqual(
      new Set(['piv-authentication', 'digital-signature', 'key-management', 'card-authentication']),
    );
  });

  it('exposes the CHUID as a data object', async () => {
    const data = (await objects(0)).filter((b) => b.startsWith('Data object'));
    expect(data.some((b) => b.includes("'Card Holder Unique Identifier'"))).toBe(true);
  });
});
