import { parentPort } from 'node:worker_threads';
import { DecisionReplayer, EngineCache } from './decision-replayer';
import {
  unpackRows,
  type ReplayJobSpec,
  type ReverifyWorkerRequest,
  type ReverifyWorkerResponse,
} from './reverify-protocol';

/**
 * A decision re-verification worker, long-lived (one per core, reverify-pool.ts): its compiled
 * policy versions (EngineCache, content-addressed) outlive jobs; each open job has its own replayer
 * (the versions it may use, its cache of identical requests), dropped when the job closes.
 */
const engines = new EngineCache();
const jobs = new Map<number, { replayer: DecisionReplayer; cap: number }>();

function open(job: number, spec: ReplayJobSpec): void {
  jobs.set(job, {
    replayer: new DecisionReplayer(spec.versions, spec.problems, spec.cacheLimit, { engines, compare: spec.compare }),
    cap: spec.cap,
  });
}

parentPort!.on('message', (msg: ReverifyWorkerRequest) => {
  if (msg.op === 'open') return open(msg.job, msg.spec);
  if (msg.op === 'close') {
    jobs.delete(msg.job);
    return;
  }
  let res: ReverifyWorkerResponse;
  if (msg.op === 'ping') {
    const result = {
      total: 0,
      matched: 0,
      mismatched: 0,
      withErrors: 0,
      unverifiable: 0,
      mismatches: [],
      errored: [],
      perVersion: {},
      cacheHits: 0,
      cacheLookups: 0,
    };
    parentPort!.postMessage({
      id: msg.id,
      ok: true,
      result,
      preparsedTexts: engines.preparsedTexts,
    } satisfies ReverifyWorkerResponse);
    return;
  }
  try {
    const job = jobs.get(msg.job);
    if (!job) throw new Error(`job ${msg.job} was not opened in this worker`);
    const result = job.replayer.replay(unpackRows(msg), job.cap);
    res = { id: msg.id, ok: true, result, preparsedTexts: engines.preparsedTexts };
  } catch (err) {
    res = {
      id: msg.id,
      ok: false,
      code: 'INTERNAL',
      message: `re-verification worker: ${(err as Error).message}`,
      preparsedTexts: engines.preparsedTexts,
    };
  }
  parentPort!.postMessage(res);
});
