import 'reflect-metadata';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptInWorker, decryptionPool } from '../../../electron/main/bundle/envelope/decrypt-stream';
import { EnvelopeFatal, TAG_BYTES } from '../../../electron/main/bundle/envelope/format';
import { recipientFromFile, recoveryOpener } from '../../../electron/main/bundle/envelope/keys';
import { openEnvelope, type OpenedEnvelope } from '../../../electron/main/bundle/envelope/open';
import { sealBundleFile } from '../../../electron/main/bundle/envelope/seal';
import { verifyPossiblyEncrypted } from '../../../electron/main/bundle/envelope/verify-encrypted';
import { verifyBundle } from '../../../electron/main/bundle/verify';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';
import type { Blake3 } from '../../../shared/chain';
import { chainBundle } from './chain-bundle';

/**
 * The payload is decrypted in a worker thread, ahead of the reading (decrypt-stream.ts): the
 * verifier must still get only bytes of chunks whose tag was checked, stop at the first chunk that
 * does not authenticate whatever the chunk size, and fail with a stable code (never hang) when the
 * worker stops.
 */
const trust = { store: { anchors: [], intermediates: [], crls: [] }, policy: {} };
let dir: string;
let b3: Blake3;
let n = 0;
const ec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const recipient = recipientFromFile(
  Buffer.from(ec.publicKey.export({ type: 'spki', format: 'pem' }) as string),
  'recovery.pub.pem',
  'recovery',
);
const opener = recoveryOpener(
  Buffer.from(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
  null,
  'recovery.pem',
);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-envelope-worker-'));
  b3 = await loadBlake3();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function seal(plain: Uint8Array, chunkExponent: number): string {
  const clear = join(dir, `clear-${n}`);
  const out = join(dir, `sealed-${n++}`);
  writeFileSync(clear, plain);
  sealBundleFile(clear, out, [recipient], chunkExponent);
  return out;
}

/** Flips a bit in the ciphertext of chunk `i` (the payload starts after the header and its MAC). */
function tamperChunk(path: string, opened: OpenedEnvelope, i: number): string {
  const b = Buffer.from(readFileSync(path));
  const at = opened.payloadOffset + i * (2 ** opened.header.chunkExponent + TAG_BYTES) + 100;
  b[at]! ^= 0x10;
  const out = `${path}-chunk${i}`;
  writeFileSync(out, b);
  return out;
}

async function drain(chunks: AsyncIterable<Uint8Array>) {
  const got: Buffer[] = [];
  try {
    for await (const c of chunks) got.push(Buffer.from(c));
    return { bytes: Buffer.concat(got), error: null };
  } catch (e) {
    return { bytes: Buffer.concat(got), error: e as { code?: string; location?: Record<string, unknown> } };
  }
}

describe('decryption in a worker thread', () => {
  it('hands on exactly the payload, for chunks smaller than, equal to and larger than its slots', async () => {
    const plain = new Uint8Array(randomBytes(5 * (1 << 20) + 12345));
    for (const e of [12, 20, 21]) {
      const sealed = seal(plain, e);
      const opened = await openEnvelope(sealed, [opener]);
      const { bytes, error } = await drain(decryptInWorker(sealed, opened));
      expect(error, `2^${e}`).toBeNull();
      expect(bytes.equals(plain), `2^${e}`).toBe(true);
    }
    const empty = seal(new Uint8Array(0), 12);
    const { bytes, error } = await drain(decryptInWorker(empty, await openEnvelope(empty, [opener])));
    expect([bytes.length, error]).toEqual([0, null]);
  });

  it('stops at a tampered chunk in the middle: every byte before it, none of it or after it', async () => {
    const plain = new Uint8Array(randomBytes(6 << 20));
    // 4 KiB chunks (many per slot, the failure inside a slot), 64 KiB, 2 MiB (one chunk over two slots).
    for (const [e, bad] of [
      [12, 700],
      [16, 50],
      [21, 1],
    ] as const) {
      const sealed = seal(plain, e);
      const opened = await openEnvelope(sealed, [opener]);
      const tampered = tamperChunk(sealed, opened, bad);
      const { bytes, error } = await drain(decryptInWorker(tampered, opened));
      expect(error, `2^${e}`).toBeInstanceOf(EnvelopeFatal);
      expect(error?.code).toBe('BUNDLE_CIPHERTEXT_TAMPERED');
      expect(error?.location).toMatchObject({ chunk: bad });
      expect(bytes.length, `2^${e}`).toBe(bad * 2 ** e);
      expect(bytes.equals(plain.subarray(0, bad * 2 ** e))).toBe(true);
    }
  });

  it('reports a bundle with a tampered middle chunk as that code, with no result of the bytes before it', async () => {
    const sealed = seal(chainBundle(b3, 4000), 16);
    const opened = await openEnvelope(sealed, [opener]);
    const chunks = Math.ceil(opened.header.plainLength / 2 ** 16);
    expect(chunks).toBeGreaterThan(40);
    const bad = Math.floor(chunks / 2);
    const tampered = tamperChunk(sealed, opened, bad);
    const { report, envelope } = await verifyPossiblyEncrypted(
      tampered,
      { trust, blake3: b3 },
      { openers: async () => [opener] },
    );
    expect(report.fatal).toMatchObject({ code: 'BUNDLE_CIPHERTEXT_TAMPERED', location: { chunk: bad } });
    expect([report.ok, report.checks, report.summary.events, envelope]).toEqual([false, [], 0, null]);
    // What the verifier read in each pass over the payload (a short head read, then the reading):
    // never past the last chunk that authenticated.
    const read: number[] = [];
    const counted = async function* () {
      const k = read.push(0) - 1;
      for await (const c of decryptInWorker(tampered, opened)) {
        read[k]! += c.length;
        yield c;
      }
    };
    const r = await verifyBundle(tampered, {
      trust,
      blake3: b3,
      source: { size: opened.header.plainLength, chunks: counted, shared: true },
    });
    expect(r.fatal?.code).toBe('BUNDLE_CIPHERTEXT_TAMPERED');
    expect(read).toHaveLength(2);
    expect(read[1]).toBe(bad * 2 ** 16);
  });

  it('fails with BUNDLE_UNREADABLE, not a hang, when the worker stops mid-payload; the next opening works', async () => {
    const plain = chainBundle(b3, 12000);
    const sealed = seal(plain, 20);
    const opened = await openEnvelope(sealed, [opener]);
    // The generator: the worker killed after the first slot came back.
    let k = 0;
    const killed = async function* () {
      for await (const c of decryptInWorker(sealed, opened)) {
        if (k++ === 0) await decryptionPool().peek(0)!.thread.terminate();
        yield c;
      }
    };
    const { bytes, error } = await drain(killed());
    expect(error?.code).toBe('BUNDLE_UNREADABLE');
    expect(bytes.length).toBeLessThan(plain.length);
    // The verifier: the worker stops at its 8th fill (the head read asks for 5).
    const w = decryptionPool().at(0);
    const call = w.call.bind(w);
    let fills = 0;
    w.call = (req, transfer) => {
      if (req.op === 'fill' && ++fills === 8) void w.thread.terminate();
      return call(req, transfer);
    };
    const { report } = await verifyPossiblyEncrypted(sealed, { trust, blake3: b3 }, { openers: async () => [opener] });
    expect(fills).toBeGreaterThanOrEqual(8);
    expect(report.fatal).toMatchObject({ code: 'BUNDLE_UNREADABLE' });
    expect(report.fatal?.message).toMatch(/bundle decryption worker stopped/);
    expect(report.ok).toBe(false);
    // A new worker for the next one, which verifies as the bundle in clear.
    const clear = join(dir, `clear-${n++}`);
    writeFileSync(clear, plain);
    const again = await verifyPossiblyEncrypted(sealed, { trust, blake3: b3 }, { openers: async () => [opener] });
    expect(decryptionPool().peek(0)).not.toBe(w);
    expect(again.report).toEqual(await verifyBundle(clear, { trust, blake3: b3 }));
  });
});
