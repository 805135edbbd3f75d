import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE_MODE, BundleTarWriter } from '../../../electron/main/bundle/tar-writer';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';

const dir = mkdtempSync(join(tmpdir(), 'arx-tar-mode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a written bundle', () => {
  it('is readable and writable by its owner only, whatever the umask allows', async () => {
    const before = process.umask(0);
    try {
      const out = join(dir, 'a.arxbundle');
      const w = new BundleTarWriter(out, await loadBlake3());
      await w.add('hello.txt', new TextEncoder().encode('hello\n'));
      await w.finish();
      expect(BUNDLE_FILE_MODE).toBe(0o600);
      expect(statSync(out).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(before);
    }
  });
});
