import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blake3 } from '@noble/hashes/blake3.js';
import { toHex } from '../../../shared/bytes';
import {
  BLOCK,
  bundleMagicText,
  END_OF_ARCHIVE,
  padding,
  parseStrictJson,
  TAR_MTIME,
  ustarHeader,
  type BundleLimits,
} from '../../../shared/bundle';
import { verifyBundle, type VerifiedBundle } from '../../../electron/main/bundle/verify';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';
import type { Blake3 } from '../../../shared/chain';

/**
 * The reader assumes an attacker made the file: every case gets its own
 * stable code, nothing throws, hangs or writes anywhere (the verifier never extracts).
 */
let dir: string;
let b3: Blake3;
const trust = { store: { anchors: [], intermediates: [], crls: [] }, policy: {} };
const enc = new TextEncoder();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-hostile-'));
  b3 = await loadBlake3();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function verify(bytes: Uint8Array, limits?: Partial<BundleLimits>): Promise<VerifiedBundle> {
  const f = join(dir, `h${n++}.arxbundle`);
  writeFileSync(f, bytes);
  return verifyBundle(f, { trust, blake3: b3, ...(limits ? { limits } : {}) });
}
const fatal = async (bytes: Uint8Array, limits?: Partial<BundleLimits>) => (await verify(bytes, limits)).fatal?.code;

/** A ustar header with any fields we like (the exporter never writes these), with a correct checksum. */
function rawHeader(o: {
  name: string;
  size: number;
  type?: string;
  prefix?: string;
  mtime?: number;
  linkname?: string;
}): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (at: number, s: string) => h.set(enc.encode(s), at);
  const oct = (at: number, w: number, v: number) => put(at, `${v.toString(8).padStart(w - 1, '0')}\0`);
  put(0, o.name.slice(0, 100));
  oct(100, 8, 0o644);
  oct(108, 8, 0);
  oct(116, 8, 0);
  oct(124, 12, o.size);
  oct(136, 12, o.mtime ?? TAR_MTIME);
  put(156, o.type ?? '0');
  if (o.linkname) put(157, o.linkname);
  put(257, 'ustar\0');
  put(263, '00');
  if (o.prefix) put(345, o.prefix);
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

const member = (name: string, data: Uint8Array | string) => {
  const d = typeof data === 'string' ? enc.encode(data) : data;
  return Buffer.concat([ustarHeader(name, d.length), d, new Uint8Array(padding(d.length))]);
};
const raw = (h: Uint8Array, data: Uint8Array | string) => {
  const d = typeof data === 'string' ? enc.encode(data) : data;
  return Buffer.concat([h, d, new Uint8Array(padding(d.length))]);
};
const tar = (...parts: Uint8Array[]) => Buffer.concat([...parts, END_OF_ARCHIVE]);
const magic = () => member('ARX-BUNDLE', bundleMagicText(1));

/** A structurally sound bundle (unsigned: its signature checks fail) whose manifest we control. */
function bundle(
  opts: {
    extra?: [string, string][];
    drop?: string;
    manifest?: (m: Record<string, unknown>) => unknown;
    manifestBytes?: Uint8Array;
    sizeLie?: boolean;
  } = {},
): Buffer {
  const tenant = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
  const range = {
    tenantId: tenant,
    tenantSlug: 't',
    from: 0,
    to: 0,
    count: 1,
    prevHash: '00'.repeat(32),
    lastHash: '00'.repeat(32),
    review: null,
  };
  const body: [string, Uint8Array][] = [
    ['ARX-BUNDLE', enc.encode(bundleMagicText(1))],
    ['range.json', enc.encode(JSON.stringify(range))],
    ...(opts.extra ?? []).map(([k, v]) => [k, enc.encode(v)] as [string, Uint8Array]),
  ];
  const digests = body.map(([name, d]) => ({
    name,
    size: d.length + (opts.sizeLie && name === 'range.json' ? 1 : 0),
    sha256: createHash('sha256').update(d).digest('hex'),
    blake3: toHex(blake3(d)),
  }));
  const m = {
    format: 'arx-bundle',
    version: 1,
    createdAt: '2026-11-25T00:00:00.000Z',
    tenant: { id: tenant, slug: 't' },
    range: { from: 0, to: 0, count: 1 },
    review: null,
    exporter: { operatorId: 'x', edipi: '1', displayName: 'x', loginCertificateSha256: '00'.repeat(32) },
    members: digests,
  };
  const manifest = opts.manifestBytes ?? enc.encode(JSON.stringify(opts.manifest ? opts.manifest(m) : m));
  const listed = opts.extra ? body.filter(([k]) => !(opts.extra ?? []).some(([e]) => e === k)) : body;
  void listed;
  return tar(
    ...body.filter(([k]) => k !== opts.drop).map(([k, d]) => member(k, d)),
    member('manifest.json', manifest),
    member('manifest.dsse.json', '{}'),
    member('manifest-signer.der', 'x'),
  );
}

const findings = (r: VerifiedBundle, id: string) =>
  r.checks.find((c) => c.id === id)?.findings.map((f) => f.code) ?? [];

describe('hostile bundles: each case has its own code', () => {
  it('not a bundle: empty, random bytes, a tar of something else', async () => {
    expect(await fatal(new Uint8Array(0))).toBe('BUNDLE_NOT_A_BUNDLE');
    expect(await fatal(new Uint8Array(4096).map((_, i) => (i * 7919) & 255))).toBe('BUNDLE_NOT_A_BUNDLE');
    expect(await fatal(tar(member('README', 'hello')))).toBe('BUNDLE_NOT_A_BUNDLE');
    const r = await verify(new Uint8Array(0));
    expect(r.ok).toBe(false);
    expect(r.fatal!.message).toMatch(/empty/);
  });

  it('unknown versions, in the marker and in the manifest', async () => {
    expect(await fatal(tar(member('ARX-BUNDLE', 'arx-bundle/3\n')))).toBe('BUNDLE_VERSION_UNKNOWN');
    expect(await fatal(bundle({ manifest: (m) => ({ ...m, version: 7 }) }))).toBe('BUNDLE_VERSION_UNKNOWN');
  });

  it('paths: "..", absolute, ".." hidden in the ustar prefix; nothing is written anywhere', async () => {
    const before = readdirSync(dir).length;
    expect(await fatal(tar(magic(), raw(rawHeader({ name: '../evil', size: 4 }), 'evil')))).toBe(
      'BUNDLE_PATH_TRAVERSAL',
    );
    expect(await fatal(tar(magic(), raw(rawHeader({ name: 'evil', size: 4, prefix: 'a/../..' }), 'evil')))).toBe(
      'BUNDLE_PATH_TRAVERSAL',
    );
    expect(await fatal(tar(magic(), raw(rawHeader({ name: '/etc/evil', size: 4 }), 'evil')))).toBe(
      'BUNDLE_PATH_ABSOLUTE',
    );
    expect(await fatal(tar(magic(), raw(rawHeader({ name: 'sub/evil', size: 4 }), 'evil')))).toBe(
      'BUNDLE_MEMBER_NAME_INVALID',
    );
    expect(existsSync(join(dir, '..', 'evil'))).toBe(false);
    expect(readdirSync(dir).length).toBe(before + 4); // only the bundles this test wrote
  });

  it('links and other member types', async () => {
    expect(
      await fatal(
        tar(magic(), raw(rawHeader({ name: 'range.json', size: 0, type: '2', linkname: '/etc/passwd' }), '')),
      ),
    ).toBe('BUNDLE_MEMBER_LINK');
    expect(
      await fatal(tar(magic(), raw(rawHeader({ name: 'range.json', size: 0, type: '1', linkname: 'ARX-BUNDLE' }), ''))),
    ).toBe('BUNDLE_MEMBER_LINK');
    expect(await fatal(tar(magic(), raw(rawHeader({ name: 'certs', size: 0, type: '5' }), '')))).toBe(
      'BUNDLE_MEMBER_TYPE',
    );
    expect(await fatal(tar(magic(), raw(rawHeader({ name: 'PaxHeader', size: 3, type: 'x' }), 'a=b')))).toBe(
      'BUNDLE_MEMBER_TYPE',
    );
  });

  it('duplicate names, members out of order', async () => {
    expect(await fatal(tar(magic(), member('range.json', '{}'), member('range.json', '{}')))).toBe(
      'BUNDLE_MEMBER_DUPLICATE',
    );
    expect(await fatal(tar(magic(), member('events.bin', ''), member('range.json', '{}')))).toBe('BUNDLE_MEMBER_ORDER');
  });

  it('members not in the manifest, and listed members missing', async () => {
    const extra = await verify(
      bundle({
        extra: [['notes.txt', 'hi']],
        manifest: (m) => ({ ...m, members: (m.members as { name: string }[]).filter((x) => x.name !== 'notes.txt') }),
      }),
    );
    expect(extra.fatal).toBeNull();
    expect(findings(extra, 'members')).toContain('BUNDLE_MEMBER_UNLISTED');
    const missing = await verify(bundle({ drop: 'range.json' }));
    expect(missing.fatal).toBeNull();
    expect(findings(missing, 'members')).toContain('BUNDLE_MEMBER_MISSING');
    expect(missing.ok).toBe(false);
  });

  it('sizes that lie: in the tar header (longer, shorter) and in the manifest', async () => {
    const longer = Buffer.concat([
      magic(),
      rawHeader({ name: 'range.json', size: 5000 }),
      enc.encode('{}'),
      new Uint8Array(510),
    ]);
    expect(await fatal(longer)).toBe('BUNDLE_TRUNCATED');
    const shorter = Buffer.concat([
      magic(),
      rawHeader({ name: 'range.json', size: 1 }),
      new Uint8Array(BLOCK).fill(0x41),
      END_OF_ARCHIVE,
    ]);
    expect(await fatal(shorter)).toBe('BUNDLE_PADDING_NONZERO');
    const shorterPadded = Buffer.concat([
      magic(),
      rawHeader({ name: 'range.json', size: 1 }),
      Buffer.from('{'),
      new Uint8Array(511),
      new Uint8Array(BLOCK).fill(0x41),
      END_OF_ARCHIVE,
    ]);
    expect(await fatal(shorterPadded)).toBe('BUNDLE_TAR_HEADER_INVALID');
    expect(await fatal(tar(magic(), raw(rawHeader({ name: 'range.json', size: 0o77777777777 }), '')))).toBe(
      'BUNDLE_MEMBER_TOO_LARGE',
    );
    const lie = await verify(bundle({ sizeLie: true }));
    expect(findings(lie, 'members')).toContain('BUNDLE_MEMBER_SIZE_MISMATCH');
  });

  it('compression bombs: ratio and total size', async () => {
    const bomb = gzipSync(
      Buffer.concat([magic(), rawHeader({ name: 'events.bin', size: 64 * 2 ** 20 }), Buffer.alloc(64 * 2 ** 20)]),
    );
    expect(bomb.length).toBeLessThan(1 << 20);
    expect(await fatal(bomb)).toBe('BUNDLE_COMPRESSION_RATIO');
    expect(await fatal(bundle(), { maxTotalBytes: 4096 })).toBe('BUNDLE_TOO_LARGE');
    expect(await fatal(tar(magic(), member('events.bin', 'x'.repeat(100))), { maxTotalBytes: 600 })).toBe(
      'BUNDLE_TOO_LARGE',
    );
    const gz = gzipSync(bundle());
    gz[3] = 0x08; // FNAME: not the plain header
    expect(await fatal(gz)).toBe('BUNDLE_COMPRESSION_INVALID');
  });

  it('truncated files, plain and compressed', async () => {
    const b = bundle();
    expect(await fatal(b.subarray(0, b.length - 700))).toBe('BUNDLE_TRUNCATED');
    expect(await fatal(b.subarray(0, 700))).toBe('BUNDLE_TRUNCATED');
    const gz = gzipSync(b);
    expect(await fatal(gz.subarray(0, gz.length - 20))).toBe('BUNDLE_TRUNCATED');
    const ok = await verify(gzipSync(b));
    expect(ok.fatal).toBeNull(); // a gzip-compressed bundle is read the same way
  });

  it('invalid UTF-8 and JSON, deep nesting, enormous numbers, duplicate keys', async () => {
    expect(await fatal(bundle({ manifestBytes: Uint8Array.of(0x7b, 0xc3, 0x28, 0x7d) }))).toBe('BUNDLE_UTF8_INVALID');
    expect(await fatal(bundle({ manifestBytes: enc.encode('{"format": "arx-bundle",') }))).toBe('BUNDLE_JSON_INVALID');
    expect(await fatal(bundle({ manifestBytes: enc.encode(`${'['.repeat(200_000)}${']'.repeat(200_000)}`) }))).toBe(
      'BUNDLE_JSON_TOO_DEEP',
    );
    expect(await fatal(bundle({ manifest: (m) => ({ ...m, range: { from: 0, to: 0, count: 1e300 } }) }))).toBe(
      'BUNDLE_NUMBER_TOO_LARGE',
    );
    expect(await fatal(bundle({ manifestBytes: enc.encode('{"version":1,"version":2}') }))).toBe('BUNDLE_JSON_INVALID');
    expect(await fatal(bundle({ manifest: (m) => ({ ...m, extra: true }) }))).toBe('BUNDLE_MANIFEST_INVALID');
    expect(parseStrictJson(enc.encode('[12345678901234567890]'), 'x').ok).toBe(false);
  });

  it('bytes after the archive, non-zero padding, a non-canonical header', async () => {
    expect(await fatal(Buffer.concat([bundle(), Buffer.from('junk')]))).toBe('BUNDLE_TRAILING_DATA');
    const padded = Buffer.from(tar(magic()));
    padded[BLOCK + bundleMagicText(1).length + 3] = 1;
    expect(await fatal(padded)).toBe('BUNDLE_PADDING_NONZERO');
    expect(await fatal(tar(magic(), raw(rawHeader({ name: 'range.json', size: 2, mtime: 12345 }), '{}')))).toBe(
      'BUNDLE_HEADER_NONCANONICAL',
    );
    expect(await fatal(bundle().subarray(0, 0))).toBe('BUNDLE_NOT_A_BUNDLE');
  });

  it('an unreadable path is one clear message', async () => {
    const r = await verifyBundle(join(dir, 'does-not-exist.arxbundle'), { trust, blake3: b3 });
    expect(r.fatal?.code).toBe('BUNDLE_UNREADABLE');
    expect((await verifyBundle(dir, { trust, blake3: b3 })).fatal?.code).toBe('BUNDLE_UNREADABLE');
  });
});
