import { parentPort, type TransferListItem } from 'node:worker_threads';
import type { ArxError } from '../../../shared/contract';
import type { Envelope, WorkerMessage } from './protocol';

/** A reply whose buffers are transferred rather than copied. */
export class Transfer<T> {
  constructor(
    readonly value: T,
    readonly list: TransferListItem[],
  ) {}
}

export interface WorkerService<Req, Res, Ctx> {
  /** Start-up done once, before the first request is handled; the worker reports `ready` after it. */
  init?: () => Ctx | Promise<Ctx>;
  /** Answers one request (or handles a one-way message: its result is dropped, its error too). */
  handle: (req: Req, ctx: Ctx) => Res | Transfer<Res> | Promise<Res | Transfer<Res>>;
}

/** An ArxFailure or an ArxError-shaped value keeps its code; anything else is INTERNAL with its message. */
export function toArxError(err: unknown): ArxError {
  if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string') {
    const e = err as { code: string; message?: unknown; details?: Record<string, unknown> };
    const message = typeof e.message === 'string' ? e.message : String(e.code);
    return e.details === undefined ? { code: e.code, message } : { code: e.code, message, details: e.details };
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

/** Where a served module's messages come from and go to: a worker's parentPort or a child's IPC. */
export interface ServePort {
  post(message: WorkerMessage<unknown>, list?: TransferListItem[]): void;
  onMessage(listener: (message: unknown) => void): void;
}

/**
 * Runs `service` in this worker thread. Requests are handled one at a time in arrival order (those
 * that arrive during start-up wait for it); a handler that returns a promise is answered when it
 * settles.
 */
export function serveWorker<Req, Res, Ctx = undefined>(service: WorkerService<Req, Res, Ctx>): void {
  const port = parentPort;
  if (!port) throw new Error('a worker module must run in a worker thread');
  servePort({ post: (m, list) => port.postMessage(m, list), onMessage: (l) => void port.on('message', l) }, service);
}

/** `serveWorker` over any port (a child process serves the same envelope over its IPC channel). */
export function servePort<Req, Res, Ctx = undefined>(port: ServePort, service: WorkerService<Req, Res, Ctx>): void {
  const send = (m: WorkerMessage<Res>, list?: TransferListItem[]) => port.post(m, list);
  let ctx: Ctx | undefined;
  let waiting: Envelope<Req>[] | null = [];

  const answer = (id: number, out: Res | Transfer<Res>) => {
    if (id === 0) return;
    if (out instanceof Transfer) send({ kind: 'reply', id, ok: true, value: out.value }, out.list);
    else send({ kind: 'reply', id, ok: true, value: out });
  };
  const refuse = (id: number, err: unknown) => {
    if (id !== 0) send({ kind: 'reply', id, ok: false, error: toArxError(err) });
  };
  const handle = ({ id, req }: Envelope<Req>) => {
    try {
      const out = service.handle(req, ctx as Ctx);
      if (out instanceof Promise)
        out.then(
          (v) => answer(id, v),
          (e: unknown) => refuse(id, e),
        );
      else answer(id, out);
    } catch (err) {
      refuse(id, err);
    }
  };

  port.onMessage((m) => (waiting ? waiting.push(m as Envelope<Req>) : handle(m as Envelope<Req>)));
  Promise.resolve()
    .then(() => service.init?.())
    .then(
      (c) => {
        ctx = c as Ctx;
        const queued = waiting ?? [];
        waiting = null;
        send({ kind: 'ready' });
        for (const m of queued) handle(m);
      },
      (err: unknown) => send({ kind: 'fatal', error: toArxError(err) }),
    );
}
