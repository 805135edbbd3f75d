import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleReport } from '../../../shared/bundle';
import { ed25519Signer } from '../../../shared/checkpoint';
import { gatewayKeysText } from '../../../electron/main/administration/gateway-keys-text';
import { loadGatewayPins } from '../../../electron/main/bundle/gateway-pins';
import { runCli } from '../../../electron/main/cli/arx';
import type { AdminGatewayKeyRow } from '../../../electron/main/controlplane/repos/gateway-key-reads';
import { CONFORMANCE_DIR } from '../../vectors/generate';
import { GATEWAY_KEY, TENANT, derive } from '../../vectors/model';

/**
 * `arx admin gateway-key export` writes gateway-keys.txt in exactly the form `arx bundle verify`
 * pins from the trust directory: a conformance bundle verifies with the exported file pinned
 * (its rotated and revoked keys listed too, with comment lines), and fails with
 * GATEWAY_KEYS_UNPINNED without the file and GATEWAY_KEY_NOT_PINNED when another key is exported.
 */
const BUNDLE = join(CONFORMANCE_DIR, 'vectors', 'valid-range.arxbundle');
let work: string;

const row = (keyName: string, publicKey: Uint8Array, over: Partial<AdminGatewayKeyRow> = {}): AdminGatewayKeyRow => ({
  tenantId: TENANT,
  tenantSlug: 'vectors',
  keyName,
  publicKey: Buffer.from(publicKey),
  validFrom: new Date('2026-01-01T00:00:00.000Z'),
  validTo: null,
  endedReason: null,
  registeredBy: null,
  endedBy: null,
  lastCheckpoint: null,
  ...over,
});

function trustWith(text: string | null): string {
  const dir = mkdtempSync(join(work, 'trust-'));
  cpSync(join(CONFORMANCE_DIR, 'trust'), dir, { recursive: true });
  if (text === null) rmSync(join(dir, 'gateway-keys.txt'));
  else writeFileSync(join(dir, 'gateway-keys.txt'), text);
  return dir;
}

async function verify(trust: string): Promise<{ code: number; report: BundleReport }> {
  let out = '';
  const code = await runCli(['bundle', 'verify', BUNDLE, '--trust', trust, '--json'], {
    out: (t) => (out += t),
    err: () => {},
    env: {},
    readStdin: async () => '',
  });
  return { code, report: JSON.parse(out) as BundleReport };
}

const codes = (r: BundleReport) => r.checks.flatMap((c) => c.findings.map((f) => f.code));

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'arx-gwexport-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('gateway-keys.txt as the administrators export it', () => {
  const real = ed25519Signer(GATEWAY_KEY, derive('gateway-key')).publicKey;
  const stranger = ed25519Signer('arx-gateway.vectors.2', derive('another gateway')).publicKey;
  const rotated = row(GATEWAY_KEY, real, { validTo: new Date('2026-06-01T00:00:00.000Z'), endedReason: 'rotated' });
  const exported = gatewayKeysText(
    [rotated, row('arx-gateway.vectors.2', stranger, { validFrom: new Date('2026-05-31T00:00:00.000Z') })],
    new Date('2026-12-07T00:00:00.000Z'),
  );

  it('is what the trust directory loader reads: one verifier key a line, every key, comments for the rest', () => {
    const dir = trustWith(exported);
    const pins = loadGatewayPins([dir])!;
    expect(pins.keys.map((k) => [k.name, Buffer.from(k.publicKey).toString('hex')])).toEqual([
      [GATEWAY_KEY, Buffer.from(real).toString('hex')],
      ['arx-gateway.vectors.2', Buffer.from(stranger).toString('hex')],
    ]);
    expect(exported).toContain(
      `# ${GATEWAY_KEY}: valid 2026-01-01T00:00:00.000Z .. 2026-06-01T00:00:00.000Z (rotated)`,
    );
    expect(exported).toContain(`# tenant vectors (${TENANT})`);
  });

  it('verifies a bundle with the exported file pinned; fails unpinned and with another key pinned', async () => {
    const pinned = await verify(trustWith(exported));
    expect(pinned.code, JSON.stringify(codes(pinned.report))).toBe(0);
    const unpinned = await verify(trustWith(null));
    expect(unpinned.code).toBe(1);
    expect(codes(unpinned.report)).toContain('GATEWAY_KEYS_UNPINNED');
    const other = await verify(trustWith(gatewayKeysText([row('arx-gateway.vectors.2', stranger)], new Date())));
    expect(other.code).toBe(1);
    expect(codes(other.report)).toContain('GATEWAY_KEY_NOT_PINNED');
    const sameNameOtherKey = await verify(trustWith(gatewayKeysText([row(GATEWAY_KEY, stranger)], new Date())));
    expect(sameNameOtherKey.code).toBe(1);
    expect(codes(sameNameOtherKey.report)).toContain('GATEWAY_KEY_NOT_PINNED');
  });
});
