import {
  ArxFailure,
  type CommandName,
  type OperatorSession,
  type RequestOf,
  type ResponseOf,
} from '../../../shared/contract';
import { loadConfig } from '../config/config';
import { createConsoleServices, type ConsoleServices } from '../composition/console-services';
import { ConsoleSession } from '../core/registry';
import { prepareDemoCard } from '../demo/demo-card';
import type { CliIo } from './cli-command';

/**
 * The CLI as a client like the window: it opens the same console services, logs in with the card
 * in its own process through the registry (`card.login`), and every command it runs is decided by
 * the registry for that operator session. The PIN never comes from the command line.
 */

/** The options every card-using command takes (node:util parseArgs form). */
export const CARD_OPTIONS = {
  token: { type: 'string' },
  slot: { type: 'string' },
  'pin-stdin': { type: 'boolean' },
} as const;

export const CARD_USAGE = '[--token LABEL | --slot N] [--pin-stdin]';

export interface CardChoice {
  token?: string | undefined;
  slot?: string | undefined;
  'pin-stdin'?: boolean | undefined;
}

export interface PinSource {
  /** The code of the refusal when no PIN can be had (a command's own, e.g. BUNDLE_PIN_REQUIRED). */
  code: string;
  /** The prompt on the terminal, saying what the PIN is for. */
  prompt: string;
}

export const LOGIN_PIN: PinSource = { code: 'CARD_PIN_REQUIRED', prompt: 'Card PIN: ' };

/**
 * The PIN, never a command-line argument: the first line of stdin with --pin-stdin, else ARX_PIN,
 * else a prompt without echo when stdin is a terminal; otherwise `source.code` (nothing to ask,
 * e.g. a script with no terminal).
 */
export async function readPin(
  io: CliIo,
  pinStdin: boolean | undefined,
  source: PinSource = LOGIN_PIN,
): Promise<string> {
  if (pinStdin) {
    const line = (await io.readStdin()).split(/\r?\n/)[0] ?? '';
    if (!line) throw new ArxFailure(source.code, '--pin-stdin: stdin is empty: pipe the card PIN on its first line.');
    return line;
  }
  if (io.env.ARX_PIN) return io.env.ARX_PIN;
  let typed: string | null = null;
  try {
    typed = io.promptSecret ? await io.promptSecret(source.prompt) : null;
  } catch (e) {
    throw new ArxFailure(source.code, `No PIN was entered: ${(e as Error).message}.`);
  }
  if (typed === null) {
    throw new ArxFailure(
      source.code,
      'The card PIN is needed and stdin is not a terminal to ask it on: pipe it with --pin-stdin, or set ARX_PIN. It is never taken as an argument.',
    );
  }
  if (!typed) throw new ArxFailure(source.code, 'No PIN was entered.');
  return typed;
}

const PIN_KEY = /^pin$|[a-z]Pin$|_pin$/i;

/** A field named like a PIN anywhere in a request given on the command line (where every local process can read it). */
export function pinFieldPath(value: unknown, path = ''): string | null {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = pinFieldPath(v, `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k}` : k;
    if (PIN_KEY.test(k)) return here;
    const found = pinFieldPath(v, here);
    if (found) return found;
  }
  return null;
}

/** Refuses a request whose JSON came from the command line and carries a PIN. */
export function refusePinInRequest(request: unknown): void {
  const at = pinFieldPath(request);
  if (at) {
    throw new ArxFailure(
      'CLI_PIN_IN_ARGUMENTS',
      `--request names a PIN (${at}): arguments are visible to every local process (/proc/PID/cmdline). Leave it out; the PIN is asked on the terminal, or read with --pin-stdin or from ARX_PIN.`,
      { path: at },
    );
  }
}

/** One CLI run's console: services started, consent given (a script accepts the notice it was shown at login). */
export interface CliConsole {
  services: ConsoleServices;
  session: ConsoleSession;
  /** The value of a command, or its error thrown as ArxFailure. */
  call<N extends CommandName>(name: N, request: RequestOf<N>): Promise<ResponseOf<N>>;
  stop(): Promise<void>;
}

export async function openCliConsole(io: CliIo): Promise<CliConsole> {
  const config = loadConfig(io.env);
  const log = (l: string) => {
    if (io.env.ARX_DEBUG) io.err(l);
  };
  const services = createConsoleServices(config, log);
  const session = new ConsoleSession();
  session.consentAcknowledgedAt = new Date();
  const stop = () => services.stop();
  try {
    // The control plane directly, not services.start(): a failure keeps its code (DB_IN_USE, DB_TLS_REQUIRED…).
    await services.controlPlane.start();
    // The embedded default's demo card and its test PKI, found (or made) as the console does.
    if (config.controlPlane.mode === 'embedded' && !config.card.trustAnchors)
      await prepareDemoCard(config, services.controlPlane.requireAdminPool(), log);
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  return {
    services,
    session,
    async call(name, request) {
      const r = await services.registry.invoke(name, request, { adapter: 'cli', session });
      if (!r.ok) throw new ArxFailure(r.error.code, r.error.message, r.error.details);
      return r.value as ResponseOf<typeof name>;
    },
    stop,
  };
}

/** Logs in with the chosen card: its reader by --slot or --token, or the only card present. */
export async function loginWithCard(
  c: CliConsole,
  choice: CardChoice,
  pin: string,
  io: CliIo,
): Promise<OperatorSession> {
  const { readers, module, detail } = await c.call('card.readers', {});
  if (module !== 'ready') throw new ArxFailure('CARD_MODULE_UNAVAILABLE', detail);
  const present = readers.filter((r) => r.tokenPresent);
  const chosen = choice.slot
    ? present.find((r) => r.slot === choice.slot)
    : choice.token
      ? present.find((r) => r.tokenLabel === choice.token)
      : present.length === 1
        ? present[0]
        : undefined;
  if (!chosen) {
    const listed = present.map((r) => `${r.tokenLabel ?? '?'} in slot ${r.slot}`).join(', ') || 'none';
    throw new ArxFailure(
      'CARD_NOT_CHOSEN',
      `${choice.slot || choice.token ? 'No such card' : 'Choose the card'}: give --token LABEL or --slot N (cards present: ${listed}).`,
      { path: choice.slot ? 'slot' : 'token' },
    );
  }
  io.err(`Logging in with ${chosen.tokenLabel} …`);
  return c.call('card.login', { slot: chosen.slot, certificateId: null, pin, confirmFinalTry: false });
}

/**
 * The common shape of a card-using command: PIN first (nothing is touched without one), then the
 * console, the login, `body`, and a logout and stop on every outcome.
 */
export async function withOperator<T>(
  io: CliIo,
  choice: CardChoice,
  body: (c: CliConsole, pin: string, operator: OperatorSession) => Promise<T>,
  source: PinSource = LOGIN_PIN,
): Promise<T> {
  const pin = await readPin(io, choice['pin-stdin'], source);
  const c = await openCliConsole(io);
  try {
    const operator = await loginWithCard(c, choice, pin, io);
    try {
      return await body(c, pin, operator);
    } finally {
      await c.call('card.logout', {}).catch(() => {});
    }
  } finally {
    await c.stop();
  }
}
