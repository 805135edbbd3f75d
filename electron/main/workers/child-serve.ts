import { servePort, type ServePort, type WorkerService } from './serve';

/** Electron's utility process exposes its parent as `process.parentPort` (absent under Node). */
interface UtilityParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

function parentChannel(): ServePort {
  const utility = (process as unknown as { parentPort?: UtilityParentPort }).parentPort;
  if (utility)
    return { post: (m) => utility.postMessage(m), onMessage: (l) => utility.on('message', (e) => l(e.data)) };
  if (!process.send) throw new Error('a child-process module must be started with an IPC channel');
  const send = process.send.bind(process);
  return { post: (m) => void send(m, undefined, undefined, () => {}), onMessage: (l) => void process.on('message', l) };
}

/**
 * Ends this process at once: SIGKILL to itself, because `process.exit` joins worker threads and a
 * thread blocked in native code would keep the process alive.
 */
export function killSelf(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

/**
 * Runs `service` in this child process over its IPC channel, with the envelope of worker threads.
 * The process never outlives its parent: it kills itself when the channel closes or when it is
 * re-parented (parent killed), checked every `watchMs`. Keep the main thread free (blocking work
 * goes to a worker thread of the child) so that this watch always runs.
 */
export function serveChildProcess<Req, Res, Ctx = undefined>(
  service: WorkerService<Req, Res, Ctx>,
  watchMs = 500,
): void {
  const parent = process.ppid;
  process.on('disconnect', () => killSelf());
  // The parent may have gone while this module was still loading: then no 'disconnect' comes.
  if (process.connected === false) killSelf();
  setInterval(() => {
    if (process.ppid !== parent) killSelf();
  }, watchMs);
  servePort(parentChannel(), service);
}
