/**
 * Main-thread side of the PKCS#11 worker: spawns it, sends typed requests, and turns error
 * responses into ArxFailure. The main thread never calls into the PKCS#11 module itself.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ArxFailure } from '../../../shared/contract';
import type {
  Pkcs11Op,
  Pkcs11Request,
  Pkcs11Results,
  RequestFor,
  WorkerRequest,
  WorkerResponse,
} from './pkcs11-protocol';

/**
 * From source (tsx, vitest) the worker is `pkcs11-worker.ts`, started through a tiny eval script
 * that registers tsx first (`execArgv: ['--import', 'tsx']` does not apply to worker threads on
 * Node 20). From the esbuild bundle it is `pkcs11-worker.mjs` next to the bundled entry point.
 */
function spawnWorker(): Worker {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const source = pathToFileURL(join(dirname(here), 'pkcs11-worker.ts')).href;
    // The ESM build of tsx's register API (package exports './esm/api' → import).
    const tsxApi = pathToFileURL(
      createRequire(import.meta.url)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(source)}); });`;
    return new Worker(boot, { eval: true });
  }
  return new Worker(join(dirname(here), 'pkcs11-worker.mjs'));
}

export class Pkcs11Client {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private dead: ArxFailure | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (res: WorkerResponse) => {
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      if (res.ok) p.resolve(res.value);
      else p.reject(new ArxFailure(res.error.code, res.error.message, res.error.details));
    });
    const fail = (reason: string) => {
      this.dead = new ArxFailure('CARD_WORKER_FAILED', `The card worker stopped: ${reason}`);
      for (const p of this.pending.values()) p.reject(this.dead);
      this.pending.clear();
    };
    worker.on('error', (err) =>
      fail(err instanceof Error ? `${err.name}: ${err.message.split('\n')[0]!.slice(0, 200)}` : 'error'),
    );
    worker.on('exit', (code) => fail(`exit code ${code}`));
    worker.unref();
  }

  /**
   * Starts the worker and loads and initialises the module once. A missing or unloadable module
   * is CARD_MODULE_UNAVAILABLE naming the path tried.
   */
  static async start(modulePath: string): Promise<{ client: Pkcs11Client; library: string }> {
    const client = new Pkcs11Client(spawnWorker());
    try {
      const info = await client.call({ op: 'initialize', modulePath });
      return { client, library: info.library };
    } catch (err) {
      await client.worker.terminate();
      throw err;
    }
  }

  /**
   * Sends one request. A `login` PIN is copied into a buffer of its own that is transferred to the
   * worker (and zero-filled there); the caller's buffer is zero-filled here.
   */
  call<Op extends Pkcs11Op>(request: RequestFor<Op>): Promise<Pkcs11Results[Op]> {
    const transfer: ArrayBuffer[] = [];
    const req = request as Pkcs11Request;
    let message: WorkerRequest = { id: this.nextId++, request: req };
    if (req.op === 'login' && req.pin) {
      const copy = new Uint8Array(req.pin.byteLength);
      copy.set(req.pin);
      req.pin.fill(0);
      message = { id: message.id, request: { ...req, pin: copy } };
      transfer.push(copy.buffer);
    }
    if (this.dead) {
      for (const b of transfer) new Uint8Array(b).fill(0);
      return Promise.reject(this.dead);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.ref();
      this.worker.postMessage(message, transfer);
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    }) as Promise<Pkcs11Results[Op]>;
  }

  /** C_Finalize and stop the worker. */
  async close(): Promise<void> {
    if (!this.dead) {
      try {
        await this.call({ op: 'finalize' });
      } catch {
        // closing anyway
      }
    }
    await this.worker.terminate();
  }
}
