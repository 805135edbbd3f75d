import { EventEmitter } from 'node:events';
import { ArxFailure } from '../../../shared/contract';
import { childScript, forkChild, type ChildChannel, type ChildLauncher } from './child-process';
import type { WorkerEntry } from './entry';
import type { Envelope, WorkerMessage } from './protocol';

export interface ChildHostOptions {
  /** Names the child in messages: "card module" → "The card module process stopped: …". */
  label: string;
  /** The code calls fail with when the child stops on its own (crash, exit). */
  failureCode: string;
  /** The code calls fail with when the child misses a deadline and is killed. */
  unresponsiveCode: string;
  /** The child's whole environment. */
  env: Record<string, string>;
  /** How long the child may take to report ready. */
  startDeadlineMs: number;
  launcher?: ChildLauncher;
}

interface Pending {
  id: number;
  what: string;
  deadlineMs: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** Longest wait for the exit of a SIGKILLed child (a process in uninterruptible sleep may take longer). */
const EXIT_WAIT_MS = 2_000;

/**
 * A module served in a child process (`serveChildProcess`), called like a worker thread but with a
 * deadline on every call. The child answers in arrival order, so a call's deadline runs from when
 * the call before it was answered (a queued call does not pay for a slow one ahead of it). A call
 * that misses its deadline gets the child SIGKILLed: every pending call then fails with
 * `unresponsiveCode`, and so does every later call (start a new host to go on). The child keeps the
 * parent alive only while a call is pending.
 */
export class ChildHost<Req, Res> extends EventEmitter<{ stopped: [failure: ArxFailure] }> {
  /** Set once the child stopped or was killed; every call from then on rejects with it. */
  failure: ArxFailure | null = null;
  /** Resolves once the child reported ready; rejects if it failed, exited or missed the start deadline. */
  readonly ready: Promise<void>;
  private readonly channel: ChildChannel;
  private readonly queue: Pending[] = [];
  private readonly exited: Promise<void>;
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private nextId = 1;

  constructor(
    entry: WorkerEntry,
    private readonly options: ChildHostOptions,
  ) {
    super();
    this.channel = (options.launcher ?? forkChild)({ ...childScript(entry), env: options.env, name: options.label });
    let ready!: () => void;
    let refused!: (e: unknown) => void;
    this.ready = new Promise<void>((res, rej) => ((ready = res), (refused = rej)));
    this.ready.catch(() => {});
    this.exited = new Promise<void>((resolve) =>
      this.channel.onExit((why) => {
        resolve();
        this.stop(new ArxFailure(options.failureCode, `The ${options.label} process stopped: ${why}.`));
      }),
    );
    this.channel.onMessage((m) => {
      const message = m as WorkerMessage<Res>;
      if (message.kind === 'reply') return this.settle(message);
      if (message.kind === 'ready') {
        this.started = true;
        this.arm();
        return ready();
      }
      void this.kill(new ArxFailure(message.error.code, message.error.message, message.error.details));
    });
    this.once('stopped', (e) => refused(e));
    this.channel.unref();
    this.arm();
  }

  get pid(): number | undefined {
    return this.channel.pid;
  }

  /** Sends `req`; `what` names it in the failure message if it misses `deadlineMs`. */
  call<R extends Res = Res>(req: Req, deadlineMs: number, what: string): Promise<R> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const result = new Promise<R>((resolve, reject) => {
      this.queue.push({ id, what, deadlineMs, resolve: resolve as (v: unknown) => void, reject });
    });
    if (this.queue.length === 1) {
      this.channel.ref();
      this.arm();
    }
    this.channel.send({ id, req } satisfies Envelope<Req>);
    return result;
  }

  /** SIGKILLs the child; pending calls fail with `why`. Resolves once it exited (or after EXIT_WAIT_MS). */
  async kill(why: ArxFailure): Promise<void> {
    this.stop(why);
    this.channel.kill();
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, EXIT_WAIT_MS)));
    await Promise.race([this.exited, waited]).finally(() => clearTimeout(timer));
  }

  /** The running deadline: the start-up's until ready, then the oldest pending call's. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.failure) return;
    const head = this.queue[0];
    if (this.started && !head) return;
    const ms = this.started ? head!.deadlineMs : this.options.startDeadlineMs;
    const what = this.started ? head!.what : 'its start-up';
    this.timer = setTimeout(() => {
      const failure = new ArxFailure(
        this.options.unresponsiveCode,
        `The ${this.options.label} did not answer ${what} within ${(ms / 1000).toFixed(1)} s; its process was stopped.`,
        { operation: what, deadlineMs: ms },
      );
      void this.kill(failure);
    }, ms);
    // While nothing is pending, the start-up deadline alone must not keep the process alive.
    if (!head) this.timer.unref();
  }

  private settle(m: Extract<WorkerMessage<Res>, { kind: 'reply' }>): void {
    const i = this.queue.findIndex((p) => p.id === m.id);
    if (i < 0) return;
    const [p] = this.queue.splice(i, 1);
    if (i === 0) this.arm();
    if (this.queue.length === 0) this.channel.unref();
    if (m.ok) p!.resolve(m.value);
    else p!.reject(new ArxFailure(m.error.code, m.error.message, m.error.details));
  }

  private stop(e: ArxFailure): void {
    if (this.failure) return;
    this.failure = e;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pending = this.queue.splice(0);
    this.channel.unref();
    for (const p of pending) p.reject(e);
    this.emit('stopped', e);
  }
}
