/**
 * Main-thread side of the PKCS#11 worker: spawns it, sends typed requests, and turns error
 * responses into ArxFailure. The main thread never calls into the PKCS#11 module itself.
 */
import { WorkerPool, type PoolWorker } from '../workers/pool';
import type { Pkcs11Op, Pkcs11Request, Pkcs11Results, RequestFor } from './pkcs11-protocol';

const ENTRY = { source: new URL('./pkcs11-worker.ts', import.meta.url), bundled: 'pkcs11-worker.mjs' };
type Results = Pkcs11Results[Pkcs11Op];

/**
 * One worker for one loaded module. It is never replaced: a new worker would hold a module that
 * was never initialised, so once it stops every call fails with CARD_WORKER_FAILED.
 */
export class Pkcs11Client {
  private constructor(
    private readonly pool: WorkerPool<Pkcs11Request, Results>,
    private readonly worker: PoolWorker<Pkcs11Request, Results>,
  ) {}

  /**
   * Starts the worker and loads and initialises the module once. A missing or unloadable module
   * is CARD_MODULE_UNAVAILABLE naming the path tried.
   */
  static async start(modulePath: string): Promise<{ client: Pkcs11Client; library: string }> {
    const pool = new WorkerPool<Pkcs11Request, Results>(ENTRY, {
      size: 1,
      label: 'card',
      failureCode: 'CARD_WORKER_FAILED',
    });
    const client = new Pkcs11Client(pool, pool.at(0));
    try {
      const info = await client.call({ op: 'initialize', modulePath });
      return { client, library: info.library };
    } catch (err) {
      await pool.close();
      throw err;
    }
  }

  /**
   * Sends one request. A `login` PIN is copied into a buffer of its own that is transferred to the
   * worker (and zero-filled there); the caller's buffer is zero-filled here.
   */
  call<Op extends Pkcs11Op>(request: RequestFor<Op>): Promise<Pkcs11Results[Op]> {
    const transfer: ArrayBuffer[] = [];
    let req = request as Pkcs11Request;
    if (req.op === 'login' && req.pin) {
      const copy = new Uint8Array(req.pin.byteLength);
      copy.set(req.pin);
      req.pin.fill(0);
      req = { ...req, pin: copy };
      transfer.push(copy.buffer);
    }
    if (this.worker.failure) {
      for (const b of transfer) new Uint8Array(b).fill(0);
      return Promise.reject(this.worker.failure);
    }
    return this.worker.call<Pkcs11Results[Op]>(req, transfer);
  }

  /** C_Finalize and stop the worker. */
  async close(): Promise<void> {
    if (!this.worker.failure) {
      try {
        await this.call({ op: 'finalize' });
      } catch {
        // closing anyway
      }
    }
    await this.pool.close();
  }
}
