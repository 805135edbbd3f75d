import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ArxFailure } from '../../../shared/contract';
import type { DigestBatch, DigestResult, DigestWorkerMessage } from './digest-protocol';

/**
 * From source (tsx, vitest) the worker is `digest-worker.ts`, started through a tiny eval script
 * that registers tsx first (worker threads do not inherit `--import tsx` on Node 20), as the card
 * worker does; from the esbuild bundle it is `chain-digest-worker.mjs` next to the entry point.
 */
function spawnWorker(): Worker {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const source = pathToFileURL(join(dirname(here), 'digest-worker.ts')).href;
    const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(source)}); });`;
    return new Worker(boot, { eval: true });
  }
  return new Worker(join(dirname(here), 'chain-digest-worker.mjs'));
}

interface Pending {
  resolve: (r: DigestResult) => void;
  reject: (e: unknown) => void;
  worker: Worker;
}

/**
 * Worker threads that hash events for the verification engine. Batches go round-robin; each
 * worker answers in order. Workers are unref'd, so an idle pool never keeps a process alive.
 */
export class DigestPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private turn = 0;
  private closed = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.workers.push(this.start());
  }

  private start(): Worker {
    const w = spawnWorker();
    w.on('message', (m: DigestWorkerMessage) => {
      const id = m.ok ? m.result.id : m.id;
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      this.release(w);
      if (m.ok) p.resolve(m.result);
      else p.reject(new ArxFailure('INTERNAL', `A chain digest worker failed: ${m.message.slice(0, 200)}`));
    });
    const fail = (why: string) => {
      for (const [id, p] of this.pending) {
        if (p.worker !== w) continue;
        this.pending.delete(id);
        p.reject(new ArxFailure('INTERNAL', `A chain digest worker stopped: ${why}`));
      }
      const i = this.workers.indexOf(w);
      if (i >= 0 && !this.closed) this.workers[i] = this.start();
    };
    w.on('error', (err) => fail(err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'error'));
    w.on('exit', (code) => fail(`exit code ${code}`));
    w.unref();
    return w;
  }

  /** An idle worker must not keep the process alive; a busy one must (its answer is awaited). */
  private release(w: Worker): void {
    for (const p of this.pending.values()) if (p.worker === w) return;
    w.unref();
  }

  /** Hashes one batch; the batch's buffers are transferred (unusable by the caller afterwards). */
  digest(batch: Omit<DigestBatch, 'id'>): Promise<DigestResult> {
    if (this.closed) return Promise.reject(new ArxFailure('INTERNAL', 'The chain digest pool is closed.'));
    const id = this.nextId++;
    const worker = this.workers[this.turn++ % this.workers.length]!;
    return new Promise<DigestResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      worker.ref();
      const msg: DigestBatch = { id, ...batch };
      worker.postMessage(msg, [msg.bytes.buffer, msg.offsets.buffer, msg.seqs.buffer, msg.hashes.buffer] as ArrayBuffer[]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

let shared: DigestPool | null = null;

/**
 * The process's pool: one worker per core beyond the one that reads and links (at least one), at
 * most `ARX_VERIFY_WORKERS` when set. On the 2-core reference machine that is one worker, so that
 * the database, the linking thread and the worker each have a core's share.
 */
export function sharedDigestPool(): DigestPool {
  if (!shared) {
    const env = Number(process.env.ARX_VERIFY_WORKERS);
    const n = Number.isInteger(env) && env > 0 ? Math.min(env, 16) : Math.max(1, availableParallelism() - 1);
    shared = new DigestPool(n);
  }
  return shared;
}
