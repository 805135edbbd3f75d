import { parentPort } from 'node:worker_threads';
import { DecisionReplayer } from './decision-replayer';
import type { ReverifyWorkerRequest, ReverifyWorkerResponse } from './reverify-protocol';

/**
 * A decision re-verification worker: holds the Cedar engines of the policy versions it has seen
 * (compiled once each) and replays batches of decision rows. One per core (reverify-pool.ts).
 */
let replayer: DecisionReplayer | null = null;
let cap = 1000;

parentPort!.on('message', (msg: ReverifyWorkerRequest) => {
  if (msg.op === 'init') {
    replayer = new DecisionReplayer(msg.versions, msg.problems, msg.cacheLimit);
    cap = msg.cap;
    return;
  }
  let res: ReverifyWorkerResponse;
  try {
    if (!replayer) throw new Error('the worker was not initialised');
    const bytes = new Uint8Array(msg.buffer);
    const rows = msg.rows.map((r, i) => ({ seq: r.seq, eventId: r.eventId, columnSaysDecided: r.column, bytes: bytes.subarray(msg.offsets[i]!, msg.offsets[i + 1]!) }));
    res = { id: msg.id, ok: true, result: replayer.replay(rows, cap) };
  } catch (err) {
    res = { id: msg.id, ok: false, code: 'INTERNAL', message: `re-verification worker: ${(err as Error).message}` };
  }
  parentPort!.postMessage(res);
});
