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
 * (its rotated and revoked keys listed too, each with its registered window), and fails with
 * GATEWAY_KEYS_UNPINNED without the file and GATEWAY_KEY_NOT_PINNED when another key is exported.
 * The pinned window is the one that counts: a key revoked before a checkpoint it signed fails that
 * checkpoint however wide the bundle's gateway-keys.json claims its window to be.
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
const findings = (r: BundleReport) => r.checks.flatMap((c) => c.findings);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'arx-gwexport-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('gateway-keys.txt as the administrators export it', () => {
  const real = ed25519Signer(GATEWAY_KEY, derive('gateway-key')).publicKey;
  const stranger = ed25519Signer('arx-gateway.vectors.2', derive('another gateway')).publicKey;
  // The bundle's checkpoints are signed at 2026-11-02T10:00 and 10:01; its gateway-keys.json claims 2026-11-01 .. open.
  const rotated = row(GATEWAY_KEY, real, { validTo: new Date('2026-12-01T00:00:00.000Z'), endedReason: 'rotated' });
  const exported = gatewayKeysText(
    [rotated, row('arx-gateway.vectors.2', stranger, { validFrom: new Date('2026-11-30T00:00:00.000Z') })],
    new Date('2026-12-07T00:00:00.000Z'),
  );

  it('is what the trust directory loader reads: one verifier key and its window a line, every key', () => {
    const dir = trustWith(exported);
    const pins = loadGatewayPins([dir])!;
    expect(
      pins.keys.map((k) => [k.name, Buffer.from(k.publicKey).toString('hex'), k.window?.from, k.window?.to]),
    ).toEqual([
      [GATEWAY_KEY, Buffer.from(real).toString('hex'), rotated.validFrom, rotated.validTo],
      ['arx-gateway.vectors.2', Buffer.from(stranger).toString('hex'), new Date('2026-11-30T00:00:00.000Z'), null],
    ]);
    expect(exported).toContain(` valid-from=2026-01-01T00:00:00.000Z valid-to=2026-12-01T00:00:00.000Z\n`);
    expect(exported).toContain(`# ${GATEWAY_KEY}: rotated`);
    expect(exported).toContain(`# tenant vectors (${TENANT})`);
  });

  it('holds the bundle to the pinned window: a revoked key cannot be widened by the bundle', async () => {
    // Stolen, then revoked between the bundle's two checkpoints; the exporter's gateway-keys.json still says open.
    const revokedAt = new Date('2026-11-02T10:00:30.000Z');
    const pins = gatewayKeysText([row(GATEWAY_KEY, real, { validTo: revokedAt, endedReason: 'revoked' })], new Date());
    expect(pins).toContain(`valid-to=2026-11-02T10:00:30.000Z revoked-at=2026-11-02T10:00:30.000Z`);
    const r = await verify(trustWith(pins));
    expect(r.code).toBe(1);
    expect(findings(r.report).map((f) => [f.code, f.location?.member])).toContainEqual([
      'GATEWAY_KEY_OUTSIDE_PINNED_WINDOW',
      'checkpoint-000002.note',
    ]);
    expect(codes(r.report)).not.toContain('CHECKPOINT_KEY_OUTSIDE_WINDOW');
    // The same key pinned with its window still open: the bundle verifies.
    const open = await verify(trustWith(gatewayKeysText([row(GATEWAY_KEY, real)], new Date())));
    expect(open.code, JSON.stringify(codes(open.report))).toBe(0);
    // revoked-at narrows a window whose valid-to is later, as a hand-edited or older export might say.
    const line = pins
      .split('\n')
      .find((l) => l.startsWith(GATEWAY_KEY))!
      .split(' ')[0]!;
    const late = `${line} valid-from=2026-01-01T00:00:00.000Z valid-to=open revoked-at=2026-11-02T10:00:30.000Z\n`;
    expect(codes((await verify(trustWith(late))).report)).toContain('GATEWAY_KEY_OUTSIDE_PINNED_WINDOW');
  });

  it('accepts an older pin file (keys only) with a warning, and refuses a malformed window with its line', async () => {
    const line = gatewayKeysText([row(GATEWAY_KEY, real)], new Date())
      .split('\n')
      .find((l) => l.startsWith(GATEWAY_KEY))!
      .split(' ')[0]!;
    const old = await verify(trustWith(`# an older export\n${line}\n`));
    expect(old.code, JSON.stringify(codes(old.report))).toBe(0);
    expect(old.report.warnings.map((w) => w.code)).toEqual(['GATEWAY_KEYS_PINNED_WITHOUT_WINDOWS']);
    for (const bad of [
      `${line} valid-from=2026-01-01T00:00:00.000Z`,
      `${line} valid-from=2026-01-01 valid-to=open`,
      `${line} valid-from=2026-01-01T00:00:00.000Z valid-to=open until=2027-01-01T00:00:00.000Z`,
      `${line} valid-from=2026-02-01T00:00:00.000Z valid-to=2026-01-01T00:00:00.000Z`,
    ]) {
      const dir = trustWith(`# header\n${bad}\n`);
      expect(() => loadGatewayPins([dir])).toThrow(
        expect.objectContaining({ code: 'BUNDLE_TRUST_INVALID', details: expect.objectContaining({ line: 2 }) }),
      );
    }
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
