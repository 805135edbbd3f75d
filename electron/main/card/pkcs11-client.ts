/**
 * Parent side of the card module: the PKCS#11 module runs in a child process of its own
 * (`pkcs11-host.ts`, which calls it from a worker thread), so that a call that never returns — a
 * card pulled at the wrong moment, pcscd stopped, a vendor module stuck in C_Logout or C_Finalize —
 * can always be ended: every call has a deadline, and a missed deadline SIGKILLs the child. The
 * main thread never calls into the PKCS#11 module itself.
 */
import { EventEmitter } from 'node:events';
import { ArxFailure } from '../../../shared/contract';
import { ChildHost } from '../workers/child-host';
import type { ChildLauncher } from '../workers/child-process';
import {
  FUNCTION_OF,
  type HandleHex,
  type Pkcs11Op,
  type Pkcs11Request,
  type Pkcs11Results,
  type RequestFor,
} from './pkcs11-protocol';

const ENTRY = { source: new URL('./pkcs11-host.ts', import.meta.url), bundled: 'pkcs11-host.mjs' };
type Results = Pkcs11Results[Pkcs11Op];

/**
 * How long each call may run once the child starts it. Generous for what a real card does slowly
 * (reading a CAC's certificates, RSA on the card, a PIN typed on a PIN-pad reader), short for what
 * ends a session: a stop must not wait long for a module that will never answer.
 */
export const CALL_DEADLINES_MS: Readonly<Record<Pkcs11Op | 'loginPinPad' | 'start', number>> = {
  start: 30_000,
  initialize: 15_000,
  getSlots: 10_000,
  getTokenInfo: 10_000,
  openSession: 10_000,
  closeSession: 3_000,
  login: 20_000,
  loginPinPad: 120_000,
  logout: 3_000,
  findObjects: 20_000,
  readData: 10_000,
  signInit: 10_000,
  sign: 30_000,
  deriveEcdh: 30_000,
  decrypt: 30_000,
  finalize: 3_000,
};

/** What the child may see of the parent's environment: what PKCS#11 modules and pcsc-lite read. */
export const HOST_ENVIRONMENT = [
  'SOFTHSM2_CONF',
  'PCSCLITE_CSOCK_NAME',
  'OPENSC_CONF',
  'HOME',
  'TMPDIR',
  'LANG',
  'LC_ALL',
] as const;

/** A new host is not started again within this long of the last one's end (no restart loop). */
const RESTART_PAUSE_MS = 2_000;

export interface Pkcs11ClientOptions {
  /** Shorter or longer deadlines than CALL_DEADLINES_MS (tests use short ones). */
  deadlines?: Partial<Record<keyof typeof CALL_DEADLINES_MS, number>>;
  /** How the child is started: `child_process.fork` by default, Electron's utility process in the app. */
  launcher?: ChildLauncher;
}

function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of HOST_ENVIRONMENT) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * One child process at a time for one module. A child that stops or misses a deadline is replaced
 * on next use by a new one that loads and initialises the module again; the sessions of the old
 * one are gone with it (`lost` tells their owners, and a call naming one fails with the reason).
 */
export class Pkcs11Client extends EventEmitter<{ lost: [failure: ArxFailure] }> {
  private host: ChildHost<Pkcs11Request, Results> | null = null;
  private booting: Promise<ChildHost<Pkcs11Request, Results>> | null = null;
  /** Sessions opened on the running host. */
  private readonly sessions = new Set<HandleHex>();
  private lastLoss: ArxFailure | null = null;
  private restartAfter = 0;
  private closed = false;
  private readonly deadlines: Record<keyof typeof CALL_DEADLINES_MS, number>;
  library = '';

  private constructor(
    readonly modulePath: string,
    private readonly options: Pkcs11ClientOptions,
  ) {
    super();
    this.deadlines = { ...CALL_DEADLINES_MS, ...options.deadlines };
  }

  /**
   * Starts the child and loads and initialises the module in it. A missing or unloadable module is
   * CARD_MODULE_UNAVAILABLE naming the path tried; one that does not answer, CARD_MODULE_UNRESPONSIVE.
   */
  static async start(
    modulePath: string,
    options: Pkcs11ClientOptions = {},
  ): Promise<{ client: Pkcs11Client; library: string }> {
    const client = new Pkcs11Client(modulePath, options);
    try {
      await client.running();
      return { client, library: client.library };
    } catch (err) {
      await client.close();
      throw err;
    }
  }

  /** The child's process id (tests), or undefined while none runs. */
  get pid(): number | undefined {
    return this.host && !this.host.failure ? this.host.pid : undefined;
  }

  /**
   * Sends one request. A `login` PIN is zero-filled here once it is on its way (the child
   * zero-fills its own copy). A request naming a session of a host that has ended fails with the
   * reason it ended, and never starts a new host.
   */
  async call<Op extends Pkcs11Op>(request: RequestFor<Op>): Promise<Pkcs11Results[Op]> {
    const req = request as Pkcs11Request;
    const pin = req.op === 'login' ? req.pin : null;
    try {
      if ('session' in req && !this.sessions.has(req.session))
        throw this.lastLoss ?? new ArxFailure('CARD_SESSION_CLOSED', 'The card session is no longer open.');
      const host = await this.running();
      const deadline = req.op === 'login' && !req.pin ? this.deadlines.loginPinPad : this.deadlines[req.op];
      // The request is serialised onto the IPC channel within `call`: the PIN can go at once.
      const answer = host.call(req, deadline, FUNCTION_OF[req.op]);
      pin?.fill(0);
      const out = (await answer) as Pkcs11Results[Op];
      if (req.op === 'openSession') this.sessions.add(out as HandleHex);
      if (req.op === 'closeSession') this.sessions.delete(req.session);
      return out;
    } finally {
      pin?.fill(0);
    }
  }

  /** The running host, or a new one with the module initialised (shared by concurrent callers). */
  private running(): Promise<ChildHost<Pkcs11Request, Results>> {
    if (this.closed) return Promise.reject(new ArxFailure('CANCELLED', 'The card module was closed.'));
    if (this.host && !this.host.failure) return this.booting ?? Promise.resolve(this.host);
    if (this.lastLoss && Date.now() < this.restartAfter) return Promise.reject(this.lastLoss);
    const host = new ChildHost<Pkcs11Request, Results>(ENTRY, {
      label: 'card module',
      failureCode: 'CARD_WORKER_FAILED',
      unresponsiveCode: 'CARD_MODULE_UNRESPONSIVE',
      env: hostEnv(),
      startDeadlineMs: this.deadlines.start,
      ...(this.options.launcher ? { launcher: this.options.launcher } : {}),
    });
    this.host = host;
    host.once('stopped', (failure) => this.onStopped(host, failure));
    const booting = host
      .call({ op: 'initialize', modulePath: this.modulePath }, this.deadlines.initialize, 'C_Initialize')
      .then((info) => {
        this.library = (info as Pkcs11Results['initialize']).library;
        return host;
      })
      .catch(async (err: unknown) => {
        await host.kill(err instanceof ArxFailure ? err : new ArxFailure('CARD_WORKER_FAILED', String(err)));
        throw err;
      })
      .finally(() => {
        if (this.booting === booting) this.booting = null;
      });
    this.booting = booting;
    return booting;
  }

  private onStopped(host: ChildHost<Pkcs11Request, Results>, failure: ArxFailure): void {
    if (this.host !== host) return;
    this.sessions.clear();
    this.lastLoss = failure;
    this.restartAfter = Date.now() + RESTART_PAUSE_MS;
    this.emit('lost', failure);
  }

  /**
   * C_Finalize (within its deadline), then SIGKILL the child and wait for its exit. Resolves with
   * CARD_MODULE_UNRESPONSIVE when the module did not answer (C_Finalize, or an earlier call whose
   * process was not replaced since), or null.
   */
  async close(): Promise<ArxFailure | null> {
    if (this.closed) return null;
    this.closed = true;
    const host = this.host;
    // A module that stopped answering before the close and was not started again: that is the news.
    if (!host || host.failure) return this.lastLoss?.code === 'CARD_MODULE_UNRESPONSIVE' ? this.lastLoss : null;
    let problem: ArxFailure | null = null;
    try {
      await this.booting;
      await host.call({ op: 'finalize' }, this.deadlines.finalize, 'C_Finalize');
    } catch (err) {
      if (err instanceof ArxFailure && err.code !== 'CANCELLED') problem = err;
    }
    await host.kill(new ArxFailure('CANCELLED', 'The card module was closed.'));
    return problem;
  }
}
