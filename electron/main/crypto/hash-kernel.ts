import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Blake3 } from '../../../shared/chain';
import type { MerkleHasher } from '../../../shared/merkle';

/**
 * hash-wasm's own BLAKE3 and SHA-256 WebAssembly, driven directly through the C exports its
 * wrapper uses (src/hash-wasm.h, src/blake3.c, src/sha256.c of the package: `Hash_GetBuffer`, a
 * 16 KiB input buffer; `Hash_Calculate(len, init, digestBytes)` = init + update(len) + final, the
 * digest written to the start of that buffer; `Hash_Init`/`Hash_Update`/`Hash_Final`).
 *
 * Why not the `IHasher` API: the chain hashes millions of small inputs (a ~600-byte event, an
 * 84-byte link, a 33-byte leaf, a 65-byte node per row), and the wrapper's per-call work
 * (a view per update, a chunking loop, a copy of every digest, init/update/final as separate
 * calls) cost as much as the hashing itself (profile of `npm run bench -- chain`, 200k events:
 * 1.9 s in the wrapper against 1.8 s in WASM). Here one event digest is two `set`s and one call, and a
 * digest is compared where WASM wrote it, with no allocation. The WASM binaries are hash-wasm's own
 * build, vendored with their checksums and provenance (vendor/hash-wasm/PROVENANCE.md) and checked
 * at load; tests check every function here against hash-wasm's API, @noble/hashes and the official
 * vectors (test/unit/chain/hash-kernel.test.ts). Callers reach it through blake3.ts.
 */
const BUFFER = 16 * 1024;
/** eventDigestMatches' window: the upper half of the input buffer (events up to STAGE − 12 bytes are hashed from the lower half). */
const STAGE = BUFFER / 2;
const EVENT_TAG = new TextEncoder().encode('arx/event/v1');
const CHAIN_TAG = new TextEncoder().encode('arx/chain/v1');

interface HashExports {
  memory: WebAssembly.Memory;
  Hash_GetBuffer(): number;
  Hash_Init(param: number): void;
  Hash_Update(len: number): void;
  Hash_Final(param: number): void;
  Hash_Calculate(len: number, init: number, digestBytes: number): void;
}

const modules = new Map<string, WebAssembly.Module>();

/** SHA-256 of each vendored module (vendor/hash-wasm/PROVENANCE.md says how to reproduce them). */
export const VENDORED_WASM_SHA256 = {
  blake3: 'c6c8d4e499fde057c89df0461b560fe68f1fac1b384c444870c3490c31bf41fe',
  sha256: '7ad88dae37c322722a047435058ffc5e4f3315762c7114dfa740e5db6b474c87',
} as const;

/** From source the folder beside this file; in the esbuild bundle the copy build/bundle-node.mjs puts beside it. */
function vendorDir(): string {
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), 'vendor', 'hash-wasm');
}

/** Compiles a vendored module after checking its bytes against the pinned digest. */
export function checkedWasm(name: keyof typeof VENDORED_WASM_SHA256, bytes: Uint8Array): WebAssembly.Module {
  const got = createHash('sha256').update(bytes).digest('hex');
  if (got !== VENDORED_WASM_SHA256[name]) {
    throw new Error(`vendored ${name}.wasm has SHA-256 ${got}, expected ${VENDORED_WASM_SHA256[name]}`);
  }
  return new WebAssembly.Module(new Uint8Array(bytes));
}

function wasmModule(name: 'blake3' | 'sha256'): WebAssembly.Module {
  let m = modules.get(name);
  if (!m) {
    m = checkedWasm(name, readFileSync(join(vendorDir(), `${name}.wasm`)));
    modules.set(name, m);
  }
  return m;
}

class Instance {
  readonly x: HashExports;
  private buffer: ArrayBuffer;
  private ptr: number;
  mem: Uint8Array;
  view: DataView;
  constructor(name: 'blake3' | 'sha256') {
    this.x = new WebAssembly.Instance(wasmModule(name), {}).exports as unknown as HashExports;
    this.ptr = this.x.Hash_GetBuffer();
    this.buffer = this.x.memory.buffer;
    this.mem = new Uint8Array(this.buffer, this.ptr, BUFFER);
    this.view = new DataView(this.buffer, this.ptr, BUFFER);
  }
  /** The views die if the memory ever grows (these modules do not allocate, but be safe). */
  check(): void {
    if (this.x.memory.buffer !== this.buffer) {
      this.buffer = this.x.memory.buffer;
      this.mem = new Uint8Array(this.buffer, this.ptr, BUFFER);
      this.view = new DataView(this.buffer, this.ptr, BUFFER);
    }
  }
}

export class HashKernel {
  private readonly b: Instance;
  private readonly s: Instance;
  /** BLAKE3 for eventDigestMatches alone: the upper half of its input buffer holds a window of the caller's bytes. */
  private staged: Instance | null = null;
  private stagedSrc: Uint8Array | null = null;
  private stagedFrom = 0;
  private stagedTo = 0;
  private stagedMem: ArrayBufferLike | null = null;
  /** BLAKE3 with the `Blake3` interface of shared/chain (hash, hashParts fast; streams via hash-wasm). */
  readonly blake3: Blake3;
  /** RFC 9162 leaf and node hashes (SHA-256). */
  readonly merkle: MerkleHasher;

  constructor(streaming: Blake3) {
    this.b = new Instance('blake3');
    this.s = new Instance('sha256');
    this.blake3 = {
      name: 'hash-wasm',
      hash: (data) => this.blake3Parts([data]),
      hashParts: (parts) => this.blake3Parts(parts),
      createHasher: () => streaming.createHasher(),
    };
    this.merkle = {
      leafHash: (leaf) => this.leafHash(leaf),
      nodeHash: (left, right) => this.nodeHash(left, right),
    };
  }

  private blake3Parts(parts: readonly Uint8Array[]): Uint8Array {
    const b = this.b;
    b.check();
    let total = 0;
    for (const p of parts) total += p.length;
    if (total <= BUFFER) {
      let o = 0;
      for (const p of parts) {
        b.mem.set(p, o);
        o += p.length;
      }
      b.x.Hash_Calculate(total, 0, 32);
    } else {
      b.x.Hash_Init(0);
      for (const p of parts) {
        for (let o = 0; o < p.length; o += BUFFER) {
          const piece = p.subarray(o, o + BUFFER);
          b.mem.set(piece, 0);
          b.x.Hash_Update(piece.length);
        }
      }
      b.x.Hash_Final(32);
    }
    return b.mem.slice(0, 32);
  }

  /**
   * d = BLAKE3("arx/event/v1" ‖ src[start, start+len)) into the kernel's output (see outEquals,
   * outCopy). Same preimage as shared/chain/format.ts eventDigest (checked by the tests).
   */
  eventDigest(src: Uint8Array, start: number, len: number): void {
    const b = this.b;
    b.check();
    if (len + 12 <= BUFFER) {
      b.mem.set(EVENT_TAG, 0);
      b.mem.set(src.subarray(start, start + len), 12);
      b.x.Hash_Calculate(len + 12, 0, 32);
      return;
    }
    b.x.Hash_Init(0);
    b.mem.set(EVENT_TAG, 0);
    b.x.Hash_Update(12);
    for (let o = 0; o < len; o += BUFFER) {
      const n = Math.min(BUFFER, len - o);
      b.mem.set(src.subarray(start + o, start + o + n), 0);
      b.x.Hash_Update(n);
    }
    b.x.Hash_Final(32);
  }

  /**
   * h = BLAKE3("arx/chain/v1" ‖ u64be(seq) ‖ prev ‖ digest) into the kernel's output; the same
   * 84-byte preimage as shared/chain/format.ts chainLink. prev and digest must be 32 bytes.
   */
  chainLink(seq: number, prev: Uint8Array, digest: Uint8Array): void {
    const b = this.b;
    b.check();
    b.mem.set(CHAIN_TAG, 0);
    b.view.setUint32(12, Math.floor(seq / 0x1_0000_0000));
    b.view.setUint32(16, seq >>> 0);
    b.mem.set(prev, 20);
    b.mem.set(digest, 52);
    b.x.Hash_Calculate(84, 0, 32);
  }

  /**
   * chainLink with prev = prevBuf[prevAt, prevAt+32) and digest = digestBuf[digestAt, digestAt+32),
   * copied byte by byte: no view is made (the bundle verifier's intact-chain path runs this once
   * per event, shared/chain/intact.ts).
   */
  chainLinkAt(seq: number, prevBuf: Uint8Array, prevAt: number, digestBuf: Uint8Array, digestAt: number): void {
    const b = this.b;
    b.check();
    const m = b.mem;
    m.set(CHAIN_TAG, 0);
    b.view.setUint32(12, Math.floor(seq / 0x1_0000_0000));
    b.view.setUint32(16, seq >>> 0);
    for (let i = 0; i < 32; i++) m[20 + i] = prevBuf[prevAt + i]!;
    for (let i = 0; i < 32; i++) m[52 + i] = digestBuf[digestAt + i]!;
    b.x.Hash_Calculate(84, 0, 32);
  }

  /** Whether the last eventDigest/chainLink output equals buf[off, off+32). */
  outEquals(buf: Uint8Array, off: number): boolean {
    const m = this.b.mem;
    for (let i = 0; i < 32; i++) if (m[i] !== buf[off + i]) return false;
    return true;
  }

  /** A copy of the last eventDigest/chainLink output. */
  outCopy(): Uint8Array {
    return this.b.mem.slice(0, 32);
  }

  /**
   * Whether d = BLAKE3("arx/event/v1" ‖ src[start, start+len)) equals stored[storedAt, storedAt+32):
   * the bundle hash worker's check of each event digest, for events read in order from one buffer,
   * without a view per event (eventDigest makes one for its copy: a million short-lived objects for
   * 1M events). A window of up to 8 KiB of `src` is copied into the upper half of the input buffer
   * of a BLAKE3 instance of its own, and each event's bytes are moved down behind the tag inside
   * WebAssembly memory (copyWithin); longer events are copied as by eventDigest. The window is
   * reused while the next event lies in it: the caller calls restage() whenever the bytes of a
   * buffer it passed may have changed. The other methods' output (outEquals, outCopy) is not touched.
   */
  eventDigestMatches(src: Uint8Array, start: number, len: number, stored: Uint8Array, storedAt: number): boolean {
    const b = (this.staged ??= new Instance('blake3'));
    b.check();
    const m = b.mem;
    if (len <= STAGE - 12) {
      const end = start + len;
      if (src !== this.stagedSrc || start < this.stagedFrom || end > this.stagedTo || m.buffer !== this.stagedMem) {
        this.stagedSrc = src;
        this.stagedFrom = start;
        this.stagedTo = Math.min(src.length, start + STAGE);
        this.stagedMem = m.buffer;
        m.set(src.subarray(this.stagedFrom, this.stagedTo), STAGE);
      }
      m.copyWithin(12, STAGE + start - this.stagedFrom, STAGE + end - this.stagedFrom);
      m.set(EVENT_TAG, 0);
      b.x.Hash_Calculate(len + 12, 0, 32);
    } else {
      this.stagedSrc = null; // the copy below overwrites the window
      b.x.Hash_Init(0);
      m.set(EVENT_TAG, 0);
      b.x.Hash_Update(12);
      for (let o = 0; o < len; o += BUFFER) {
        const n = Math.min(BUFFER, len - o);
        m.set(src.subarray(start + o, start + o + n), 0);
        b.x.Hash_Update(n);
      }
      b.x.Hash_Final(32);
    }
    for (let i = 0; i < 32; i++) if (m[i] !== stored[storedAt + i]) return false;
    return true;
  }

  /** The bytes of a buffer passed to eventDigestMatches may have changed (e.g. it was refilled). */
  restage(): void {
    this.stagedSrc = null;
  }

  leafHash(leaf: Uint8Array): Uint8Array {
    const s = this.s;
    s.check();
    if (leaf.length + 1 > BUFFER) throw new RangeError('leafHash: leaf too large');
    s.mem[0] = 0x00;
    s.mem.set(leaf, 1);
    s.x.Hash_Calculate(1 + leaf.length, 256, 32);
    return s.mem.slice(0, 32);
  }

  nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
    if (left.length !== 32 || right.length !== 32) throw new RangeError('nodeHash: children must be 32-byte hashes');
    const s = this.s;
    s.check();
    s.mem[0] = 0x01;
    s.mem.set(left, 1);
    s.mem.set(right, 33);
    s.x.Hash_Calculate(65, 256, 32);
    return s.mem.slice(0, 32);
  }

  /**
   * Leaf hashes of n consecutive 32-byte leaves src[32i, 32i+32), written to out[32i, 32i+32)
   * (one call per leaf, no allocation).
   */
  leafHashesInto(src: Uint8Array, n: number, out: Uint8Array): void {
    const s = this.s;
    s.check();
    const m = s.mem;
    for (let i = 0; i < n; i++) {
      m[0] = 0x00;
      m.set(src.subarray(32 * i, 32 * i + 32), 1);
      s.x.Hash_Calculate(33, 256, 32);
      out.set(m.subarray(0, 32), 32 * i);
    }
  }

  /** One level up a perfect tree: out[32i..] = node(level[64i..], level[64i+32..]) for i < n/2. */
  nodeLevelInto(level: Uint8Array, n: number, out: Uint8Array): void {
    const s = this.s;
    s.check();
    const m = s.mem;
    for (let i = 0; i < n / 2; i++) {
      m[0] = 0x01;
      m.set(level.subarray(64 * i, 64 * i + 64), 1);
      s.x.Hash_Calculate(65, 256, 32);
      out.set(m.subarray(0, 32), 32 * i);
    }
  }
}
