import { ArxFailure } from '../../../shared/contract';
import { serveWorker } from '../workers/serve';
import { DecisionReplayer, EngineCache } from './decision-replayer';
import { unpackRows, type ReverifyWorkerReply, type ReverifyWorkerRequest } from './reverify-protocol';

/**
 * A decision re-verification worker, long-lived (one per core, reverify-pool.ts): its compiled
 * policy versions (EngineCache, content-addressed) outlive jobs; each open job has its own replayer
 * (the versions it may use, its cache of identical requests), dropped when the job closes.
 */
const engines = new EngineCache();
const jobs = new Map<number, { replayer: DecisionReplayer; cap: number }>();

function handle(msg: ReverifyWorkerRequest): ReverifyWorkerReply | null {
  if (msg.op === 'open') {
    const { spec } = msg;
    jobs.set(msg.job, {
      replayer: new DecisionReplayer(spec.versions, spec.problems, spec.cacheLimit, { engines }),
      cap: spec.cap,
    });
    return null;
  }
  if (msg.op === 'close') {
    jobs.delete(msg.job);
    return null;
  }
  try {
    const job = jobs.get(msg.job);
    if (!job) throw new Error(`job ${msg.job} was not opened in this worker`);
    return { result: job.replayer.replay(unpackRows(msg), job.cap), preparsedTexts: engines.preparsedTexts };
  } catch (err) {
    throw new ArxFailure('INTERNAL', `re-verification worker: ${(err as Error).message}`);
  }
}

serveWorker<ReverifyWorkerRequest, ReverifyWorkerReply | null>({ handle });
