/**
 * Child-process entry of the card module. It owns the PKCS#11 worker thread (`pkcs11-worker.ts`,
 * which loads the module) and relays the parent's requests to it in order, so that this process's
 * main thread stays free while a PKCS#11 call blocks: it notices its parent's death and ends
 * itself, and the parent can always SIGKILL it.
 *
 * Never log a request: a `login` request carries the PIN.
 */
import { killSelf, serveChildProcess } from '../workers/child-serve';
import { WorkerPool } from '../workers/pool';
import type { Pkcs11Op, Pkcs11Request, Pkcs11Results } from './pkcs11-protocol';

type Results = Pkcs11Results[Pkcs11Op];

const pool = new WorkerPool<Pkcs11Request, Results>(
  { source: new URL('./pkcs11-worker.ts', import.meta.url), bundled: 'pkcs11-worker.mjs' },
  { size: 1, label: 'card', failureCode: 'CARD_WORKER_FAILED' },
);
const worker = pool.at(0);

serveChildProcess<Pkcs11Request, Results, undefined>({
  init: async () => {
    await worker.ready;
  },
  async handle(request) {
    let req = request;
    const transfer: ArrayBuffer[] = [];
    if (req.op === 'login' && req.pin) {
      // The copy is transferred to the worker and zero-filled there; the received bytes here.
      const copy = Uint8Array.from(req.pin);
      req.pin.fill(0);
      req = { ...req, pin: copy };
      transfer.push(copy.buffer);
    }
    try {
      return await worker.call(req, transfer);
    } finally {
      // A worker that died leaves a module that was initialised nowhere: end this process, and the
      // parent starts a new one on next use.
      if (worker.failure) setTimeout(killSelf, 50);
    }
  },
});
