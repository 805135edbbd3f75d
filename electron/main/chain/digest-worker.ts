/**
 * A digest worker of the verification engine (digest-pool.ts): the per-event hashing of
 * docs/chain-format.md runs here, off the thread that reads the database and links the chain.
 * Preimages come from shared/chain/format.ts only; this file defines none.
 */
import { parentPort } from 'node:worker_threads';
import { chainLink, eventDigest } from '../../../shared/chain';
import type { DigestBatch, DigestWorkerMessage } from './digest-protocol';
import { loadWasmMerkleHasher } from './node-crypto';
import { loadWasmBlake3 } from './wasm-blake3';

const port = parentPort;
if (!port) throw new Error('digest-worker must run in a worker thread');

const ready = Promise.all([loadWasmBlake3(), loadWasmMerkleHasher()]);
const encoder = new TextEncoder();
let tenantNeedle: { tenantId: string; bytes: Buffer } | null = null;

port.on('message', (batch: DigestBatch) => {
  void ready.then(([b3, merkle]) => {
    try {
      const { n, bytes, offsets, seqs, hashes, prev } = batch;
      if (tenantNeedle?.tenantId !== batch.tenantId) tenantNeedle = { tenantId: batch.tenantId, bytes: Buffer.from(encoder.encode(`"arxtenant":"${batch.tenantId}"`)) };
      const needle = tenantNeedle.bytes;
      const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const digests = new Uint8Array(32 * n);
      const links = new Uint8Array(32 * n);
      const leaves = new Uint8Array(32 * n);
      const ownTenant = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const ev = all.subarray(offsets[i]!, offsets[i + 1]!);
        const d = eventDigest(b3, ev);
        digests.set(d, 32 * i);
        const h = hashes.subarray(32 * i, 32 * i + 32);
        leaves.set(merkle.leafHash(h), 32 * i);
        const p = i === 0 ? prev : hashes.subarray(32 * (i - 1), 32 * i);
        if (p.length === 32) links.set(chainLink(b3, seqs[i]!, p, d), 32 * i);
        ownTenant[i] = ev.indexOf(needle) >= 0 ? 1 : 0;
      }
      const msg: DigestWorkerMessage = { ok: true, result: { id: batch.id, digests, links, leaves, ownTenant } };
      port.postMessage(msg, [digests.buffer, links.buffer, leaves.buffer, ownTenant.buffer]);
    } catch (err) {
      const msg: DigestWorkerMessage = { ok: false, id: batch.id, message: err instanceof Error ? err.message : String(err) };
      port.postMessage(msg);
    }
  });
});
