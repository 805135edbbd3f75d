import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArxFailure, COMMAND_NAMES } from '../../../shared/contract';
import { verifyBundle } from '../../../electron/main/bundle/verify';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';
import { ConsoleSession, createRegistry, type Handlers } from '../../../electron/main/core/registry';
import { checkFileArgs } from '../../../electron/main/core/file-args';

/** File arguments are checked on disk before the handler runs: stat only, never a read. */
let dir: string;
let bundles: string;
const calls: unknown[] = [];
const handlers = Object.fromEntries(
  COMMAND_NAMES.map((n) => [
    n,
    (req: unknown) => {
      calls.push(req);
      throw new ArxFailure('NOT_FOUND', 'spy');
    },
  ]),
) as unknown as Handlers;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arx-file-args-'));
  bundles = join(dir, 'bundles');
  mkdirSync(bundles);
  writeFileSync(join(bundles, 'ok.arxbundle'), 'x');
  writeFileSync(join(dir, 'outside.arxbundle'), 'x');
  writeFileSync(join(dir, 'key.pem'), 'x');
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  execFileSync('mkfifo', [join(bundles, 'fifo.arxbundle')]);
  // Sparse: 10 GB of size, no blocks written.
  writeFileSync(join(dir, 'sparse'), '');
  truncateSync(join(dir, 'sparse'), 10 * 10 ** 9);
  symlinkSync(join(dir, 'outside.arxbundle'), join(bundles, 'link.arxbundle'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(name: string, request: unknown, adapter: 'bridge' | 'ipc' | 'cli' = 'ipc') {
  const registry = createRegistry(handlers, () => {}, { folders: { bundles } });
  const session = new ConsoleSession();
  session.consentAcknowledgedAt = new Date();
  calls.length = 0;
  const t0 = performance.now();
  const res = await registry.invoke(name, request, { adapter, session });
  expect(performance.now() - t0).toBeLessThan(1000);
  expect(res.ok).toBe(false);
  return { error: res.ok ? null : res.error, ran: calls.length > 0 };
}

const recover = (privateKeyFile: string) => ({ privateKeyFile, passphrase: null });
const open = (path: string) => ({ path, maxEvents: null });

describe('cache.recover: privateKeyFile', () => {
  it.each([
    ['/dev/zero', 'FILE_NOT_REGULAR'],
    ['fifo', 'FILE_NOT_REGULAR'],
    ['.', 'FILE_NOT_REGULAR'],
    ['sparse', 'FILE_TOO_LARGE'],
    ['missing.pem', 'FILE_NOT_FOUND'],
  ])('%s: %s, the handler never runs', async (name, code) => {
    const { error, ran } = await failure('cache.recover', recover(name.startsWith('/') ? name : join(dir, name)));
    expect(error).toMatchObject({ code, details: { path: 'privateKeyFile' } });
    expect(ran).toBe(false);
  });

  it('a relative path from the window: FILE_PATH_INVALID; from the CLI it is taken in its directory', async () => {
    expect((await failure('cache.recover', recover('../key.pem'), 'bridge')).error?.code).toBe('FILE_PATH_INVALID');
    const cli = await failure('cache.recover', recover('../../../../../../../../dev/zero'), 'cli');
    expect(cli.error?.code).toBe('FILE_NOT_REGULAR');
  });

  it('a regular small file reaches the handler, with its full path', async () => {
    const { error, ran } = await failure('cache.recover', recover(join(dir, 'key.pem')));
    expect(error?.code).toBe('NOT_FOUND');
    expect(ran).toBe(true);
    expect(calls[0]).toEqual(recover(join(dir, 'key.pem')));
  });
});

describe('bundle.open: path, inside the bundles folder', () => {
  it.each([
    ['../outside.arxbundle', 'FILE_OUTSIDE_FOLDER'],
    ['sub/../../outside.arxbundle', 'FILE_OUTSIDE_FOLDER'],
    ['link.arxbundle', 'FILE_OUTSIDE_FOLDER'],
    ['/dev/zero', 'FILE_OUTSIDE_FOLDER'],
    ['fifo.arxbundle', 'FILE_NOT_REGULAR'],
    ['missing.arxbundle', 'FILE_NOT_FOUND'],
  ])('from the window, %s: %s, the handler never runs', async (path, code) => {
    for (const adapter of ['ipc', 'bridge'] as const) {
      const { error, ran } = await failure('bundle.open', open(path), adapter);
      expect(error).toMatchObject({ code, details: { path: 'path' } });
      expect(ran).toBe(false);
    }
  });

  it('from the window, an absolute path outside the folder is refused', async () => {
    expect((await failure('bundle.open', open(join(dir, 'outside.arxbundle')))).error?.code).toBe(
      'FILE_OUTSIDE_FOLDER',
    );
  });

  it('from the CLI, an absolute path names any regular file; /dev/zero, a FIFO and ../ are still refused', async () => {
    expect((await failure('bundle.open', open('/dev/zero'), 'cli')).error?.code).toBe('FILE_NOT_REGULAR');
    expect((await failure('bundle.open', open(join(dir, 'fifo')), 'cli')).error?.code).toBe('FILE_NOT_REGULAR');
    expect((await failure('bundle.open', open('../outside.arxbundle'), 'cli')).error?.code).toBe('FILE_OUTSIDE_FOLDER');
    const outside = await failure('bundle.open', open(join(dir, 'outside.arxbundle')), 'cli');
    expect(outside).toMatchObject({ error: { code: 'NOT_FOUND' }, ran: true });
  });

  it('a bundle in the folder reaches the handler with its full path', async () => {
    const { ran } = await failure('bundle.open', open('ok.arxbundle'));
    expect(ran).toBe(true);
    // The trust fields take their defaults: the configured trust anchors, unpinned keys refused.
    expect(calls[0]).toEqual({
      ...open(join(bundles, 'ok.arxbundle')),
      trust: null,
      allowUnpinnedGatewayKeys: false,
      card: false,
      kemKeyFile: null,
      recoveryKeyFile: null,
      recoveryPassphrase: null,
    });
  });
});

describe('a list of files (bundle.export recipientFiles): every item checked, the failing one named', () => {
  const spec = { recipientFiles: { maxBytes: 64 * 1024 } };
  const check = (files: string[], adapter: 'ipc' | 'cli' = 'ipc') =>
    checkFileArgs(spec, { recipientFiles: files }, adapter, { bundles });

  it.each([
    ['/dev/zero', 'FILE_NOT_REGULAR'],
    ['fifo', 'FILE_NOT_REGULAR'],
    ['sparse', 'FILE_TOO_LARGE'],
    ['missing.pem', 'FILE_NOT_FOUND'],
  ])('%s as the second item: %s at recipientFiles.1', (name, code) => {
    const bad = name.startsWith('/') ? name : join(dir, name);
    expect(() => check([join(dir, 'key.pem'), bad])).toThrow(
      expect.objectContaining({ code, details: expect.objectContaining({ path: 'recipientFiles.1' }) }),
    );
  });

  it('a relative path from the window is refused; good files pass with their full paths', () => {
    expect(() => check(['key.pem'])).toThrow(expect.objectContaining({ code: 'FILE_PATH_INVALID' }));
    expect(check([join(dir, 'key.pem'), join(dir, 'key.pem')])).toEqual({
      recipientFiles: [join(dir, 'key.pem'), join(dir, 'key.pem')],
    });
    expect(check([])).toEqual({ recipientFiles: [] });
  });
});

describe('a 10 GB sparse bundle (under the 64 GiB cap) reaches the verifier', () => {
  it('which refuses it at its first block, quickly and in bounded memory', async () => {
    const t0 = performance.now();
    const rss0 = process.memoryUsage().rss;
    const r = await verifyBundle(join(dir, 'sparse'), {
      trust: { store: null, policy: { policyArcs: [], staleCrl: 'refuse' }, gatewayPins: [] },
      blake3: await loadBlake3(),
      collect: { maxEvents: 10 },
    } as unknown as Parameters<typeof verifyBundle>[1]);
    expect(r.fatal).toMatchObject({ code: 'BUNDLE_NOT_A_BUNDLE' });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(256 * 2 ** 20);
  });
});
