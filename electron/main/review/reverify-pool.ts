import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ArxFailure } from '../../../shared/contract';
import type { DecisionRow, ReplayBatchResult, ReplayVersion, VersionProblem } from './decision-replayer';
import type { ReverifyWorkerRequest, ReverifyWorkerResponse } from './reverify-protocol';

/**
 * From source (tsx, vitest, Playwright) the worker is reverify-worker.ts behind a boot script that
 * registers tsx (worker threads do not inherit `--import tsx` on Node 20, as in pkcs11-client.ts);
 * from the esbuild bundle it is reverify-worker.mjs beside the entry point.
 */
function spawnWorker(): Worker {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const source = pathToFileURL(join(dirname(here), 'reverify-worker.ts')).href;
    const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(source)}); });`;
    return new Worker(boot, { eval: true });
  }
  return new Worker(join(dirname(here), 'reverify-worker.mjs'));
}

interface Slot {
  worker: Worker;
  busy: number;
}

/** One worker per core, each with its own Cedar instance; batches go to the least busy one. */
export class ReverifyPool {
  private readonly slots: Slot[];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: ReplayBatchResult) => void; reject: (e: unknown) => void; slot: Slot }>();
  private failed: ArxFailure | null = null;

  constructor(init: { versions: ReplayVersion[]; problems: VersionProblem[]; cacheLimit?: number; cap?: number }, size = Math.max(1, availableParallelism())) {
    this.slots = Array.from({ length: size }, () => ({ worker: spawnWorker(), busy: 0 }));
    for (const slot of this.slots) {
      slot.worker.on('message', (res: ReverifyWorkerResponse) => {
        const p = this.pending.get(res.id);
        if (!p) return;
        this.pending.delete(res.id);
        slot.busy--;
        if (res.ok) p.resolve(res.result);
        else p.reject(new ArxFailure(res.code, res.message));
      });
      slot.worker.on('error', (err) => this.fail(new ArxFailure('INTERNAL', `A re-verification worker failed: ${err.message}`)));
      slot.worker.on('exit', (code) => {
        if (code !== 0) this.fail(new ArxFailure('INTERNAL', `A re-verification worker exited with code ${code}.`));
      });
      const msg: ReverifyWorkerRequest = { op: 'init', versions: init.versions, problems: init.problems, cacheLimit: init.cacheLimit ?? 20_000, cap: init.cap ?? 1000 };
      slot.worker.postMessage(msg);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /** Work queued across the workers (batches). */
  get inFlight(): number {
    return this.pending.size;
  }

  private fail(err: ArxFailure): void {
    this.failed ??= err;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(err);
    }
  }

  replay(rows: readonly DecisionRow[]): Promise<ReplayBatchResult> {
    if (this.failed) return Promise.reject(this.failed);
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    // One transferable buffer per batch instead of one cloned Buffer per row.
    const total = rows.reduce((n, r) => n + r.bytes.length, 0);
    const buffer = new ArrayBuffer(total);
    const view = new Uint8Array(buffer);
    const offsets = new Uint32Array(rows.length + 1);
    let at = 0;
    rows.forEach((r, i) => {
      offsets[i] = at;
      view.set(r.bytes, at);
      at += r.bytes.length;
    });
    offsets[rows.length] = at;
    const id = this.nextId++;
    const msg: ReverifyWorkerRequest = { op: 'batch', id, rows: rows.map((r) => ({ seq: r.seq, eventId: r.eventId, column: r.columnSaysDecided })), offsets, buffer };
    slot.busy++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.worker.postMessage(msg, [buffer]);
    });
  }

  async close(): Promise<void> {
    this.fail(new ArxFailure('CANCELLED', 'The re-verification was stopped.'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
