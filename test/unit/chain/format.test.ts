import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';
import {
  chainLink,
  DOMAIN_TAGS,
  eventDigest,
  eventPreimage,
  genesisHash,
  genesisPreimage,
  isTenantId,
  LINK_PREIMAGE_LEN,
  linkPreimage,
  nobleBlake3,
  type Blake3,
} from '../../../shared/chain';
import { toHex, utf8 } from '../../../shared/bytes';
import { TENANT_A, TENANT_B } from './fixtures';

const b3 = nobleBlake3;

describe('chain format v1', () => {
  it('domain tags are ASCII and prefix-free, so no preimage of one kind is one of another', () => {
    const tags = Object.values(DOMAIN_TAGS);
    for (const a of tags) {
      expect(a).toMatch(/^[\x21-\x7e]+$/);
      for (const b of tags) if (a !== b) expect(b.startsWith(a), `${a} is a prefix of ${b}`).toBe(false);
    }
  });

  it('preimages have the documented layout', () => {
    expect(new TextDecoder().decode(genesisPreimage(TENANT_A))).toBe(`arx/genesis/v1${TENANT_A}`);
    expect(toHex(eventPreimage(utf8('{}')))).toBe(toHex(utf8('arx/event/v1{}')));
    const prev = new Uint8Array(32).fill(0xaa);
    const d = new Uint8Array(32).fill(0xbb);
    const pre = linkPreimage(0x0102030405, prev, d);
    expect(pre.length).toBe(LINK_PREIMAGE_LEN);
    expect(LINK_PREIMAGE_LEN).toBe(84);
    expect(toHex(pre)).toBe(toHex(utf8('arx/chain/v1')) + '0000000102030405' + 'aa'.repeat(32) + 'bb'.repeat(32));
    expect(toHex(chainLink(b3, 0x0102030405, prev, d))).toBe(toHex(b3.hash(pre)));
    expect(toHex(eventDigest(b3, utf8('{}')))).toBe(toHex(b3.hash(eventPreimage(utf8('{}')))));
  });

  it('u64be(seq) is big-endian over the full 53-bit range', () => {
    const pre = linkPreimage(2 ** 53 - 1, new Uint8Array(32), new Uint8Array(32));
    expect(toHex(pre.subarray(12, 20))).toBe('001fffffffffffff');
    expect(() => linkPreimage(-1, new Uint8Array(32), new Uint8Array(32))).toThrow(RangeError);
    expect(() => linkPreimage(1.5, new Uint8Array(32), new Uint8Array(32))).toThrow(RangeError);
    expect(() => linkPreimage(0, new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError);
  });

  it('genesis binds the tenant, and accepts the canonical tenant id spelling only', () => {
    expect(toHex(genesisHash(b3, TENANT_A))).not.toBe(toHex(genesisHash(b3, TENANT_B)));
    expect(isTenantId(TENANT_A)).toBe(true);
    for (const bad of [TENANT_A.toUpperCase(), TENANT_A.replaceAll('-', ''), `{${TENANT_A}}`, '', 'acme']) {
      expect(isTenantId(bad), bad).toBe(false);
      expect(() => genesisHash(b3, bad)).toThrow(RangeError);
    }
  });
});

describe('b3sum agrees with the library on the documented preimages', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'arx-b3sum-'));
  let wasm: Blake3;
  beforeAll(async () => {
    wasm = await loadBlake3();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const b3sum = (...files: string[]) =>
    execFileSync('b3sum', ['--no-names', ...files.map((f) => path.join(dir, f))], { encoding: 'utf8' })
      .trim()
      .split('\n');

  it('event digests, genesis and chain links, for events of many sizes', () => {
    // Sizes around BLAKE3's 64-byte block and 1 KiB chunk boundaries, and one large enough for
    // b3sum's multi-threaded path.
    const sizes = [0, 1, 51, 52, 53, 1011, 1012, 1013, 4096, 65_536, 3 << 20];
    const digests: string[] = [];
    sizes.forEach((n, i) => {
      const bytes = Uint8Array.from({ length: n }, (_, k) => (k * 7 + i) & 255);
      // Written exactly as the docs tell an auditor to: the tag, then the stored bytes.
      writeFileSync(path.join(dir, `pre-${i}`), eventPreimage(bytes));
      const d = eventDigest(wasm, bytes);
      expect(toHex(d)).toBe(toHex(eventDigest(b3, bytes)));
      digests.push(toHex(d));
    });
    expect(b3sum(...sizes.map((_, i) => `pre-${i}`))).toEqual(digests);

    writeFileSync(path.join(dir, 'genesis'), genesisPreimage(TENANT_A));
    expect(b3sum('genesis')).toEqual([toHex(genesisHash(wasm, TENANT_A))]);

    const prev = genesisHash(b3, TENANT_A);
    const d = eventDigest(b3, utf8('{"id":"x"}'));
    writeFileSync(path.join(dir, 'link'), linkPreimage(7, prev, d));
    expect(b3sum('link')).toEqual([toHex(chainLink(wasm, 7, prev, d))]);
  });
});
