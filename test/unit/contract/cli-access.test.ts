import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  ArxFailure,
  COMMAND_NAMES,
  ROLES,
  commands,
  type CommandName,
  type OperatorSession,
  type Role,
} from '../../../shared/contract';
import { CLI_COMMANDS, runCli } from '../../../electron/main/cli/arx';
import { pinFieldPath } from '../../../electron/main/cli/operator-login';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import { createRegistry, type Handlers, type Registry } from '../../../electron/main/core/registry';
import { operatorSession, sampleTenant } from '../../support/operator-session';
import { SAMPLE_FOLDERS } from '../../support/sample-files';
import { VALID_REQUESTS } from '../../support/valid-requests';

/**
 * The registry's access table (access.test.ts, adapter-access.test.ts) through the third adapter,
 * the `arx` CLI, run in-process (`runCli`) over console services whose registry is the real one
 * with recording handlers. Every contract command is driven by the verb a person types. A command
 * that is not public runs only after a card login (card.readers, card.login … card.logout), and
 * the registry, not the CLI, decides: with no session held → SESSION_REQUIRED, with roles that do
 * not qualify → ROLE_REQUIRED; the handler never runs.
 */
const fake = vi.hoisted(() => ({ services: null as unknown }));
vi.mock('../../../electron/main/composition/console-services', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  createConsoleServices: () => fake.services,
}));

/** Contract commands the CLI cannot reach at all: none (asserted, never skipped). */
const UNREACHABLE_FROM_CLI: CommandName[] = [];
/** Commands reached through a verb of their own instead of `arx <group> <name> --request`. */
const OWN_VERBS: Partial<Record<CommandName, (out: string) => string[]>> = {
  'bundle.export': (out) => [
    'bundle',
    'export',
    '--tenant',
    'alpha-command',
    '--from',
    '0',
    '--to',
    '99',
    '--out',
    out,
  ],
};
const LOGIN_STEPS = ['card.readers', 'card.login'] as const;
const OTHER_TENANT = '99999999-9999-4999-8999-999999999999';
const work = mkdtempSync(join(tmpdir(), 'arx-cli-access-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Invocation {
  name: string;
  outcome: string;
}

/**
 * Console services for one CLI run: the card login answers `loginAs`, and the registry sees
 * `held` as the console's operator session once that login ran (null: no session is held).
 */
function servicesFor(loginAs: OperatorSession, held: OperatorSession | null) {
  const invocations: Invocation[] = [];
  const ran: string[] = [];
  let current: OperatorSession | null = null;
  const spy = (name: string) => () => {
    ran.push(name);
    throw new ArxFailure('NOT_FOUND', 'spy');
  };
  const handlers = Object.fromEntries(COMMAND_NAMES.map((n) => [n, spy(n)])) as unknown as Handlers;
  const protocol = {
    'card.readers': () => ({
      module: 'ready',
      code: null,
      detail: '',
      readers: [
        {
          slot: '0x1',
          description: 'reader',
          tokenPresent: true,
          tokenLabel: 'test-card',
          serial: null,
          identity: null,
          pinState: null,
        },
      ],
    }),
    'card.login': () => ((current = held), loginAs),
    'card.logout': () => ((current = null), { loggedOut: true }),
  };
  for (const [n, f] of Object.entries(protocol))
    (handlers as unknown as Record<string, unknown>)[n] = (...args: unknown[]) => (ran.push(n), f(...(args as [])));
  const inner = createRegistry(handlers, () => {}, { operator: () => current, folders: SAMPLE_FOLDERS });
  const registry: Registry = {
    async invoke(name: string, request: unknown, ctx: Parameters<Registry['invoke']>[2]) {
      const before = ran.length;
      const r = await inner.invoke(name, request, ctx);
      const outcome = ran.length > before && ran[ran.length - 1] === name ? 'ran' : r.ok ? 'ok' : r.error.code;
      invocations.push({ name, outcome });
      return r;
    },
  } as Registry;
  const noop = async () => {};
  const services = { registry, start: noop, stop: noop, controlPlane: { start: noop } };
  return { services: services as unknown as ConsoleServices, invocations };
}

const takesPin = (n: CommandName) => 'pin' in ((commands[n].request as { shape?: object }).shape ?? {});
const opensWithoutCard = (n: CommandName) => commands[n].access.session === 'none' && !takesPin(n);

/** The words a person types for `name`, with the valid sample as --request (its PIN left to ARX_PIN). */
function argvOf(name: CommandName): string[] {
  const own = OWN_VERBS[name];
  if (own) return own(join(work, 'out.arxbundle'));
  const { pin: _pin, ...request } = VALID_REQUESTS[name] as Record<string, unknown>;
  expect(pinFieldPath(request), name).toBeNull();
  return [...name.split('.'), '--request', JSON.stringify(request)];
}

/** Runs `arx` for `name`; returns what the registry did with it and the CLI's exit and first error code. */
async function viaCli(name: CommandName, loginAs: OperatorSession, held: OperatorSession | null) {
  const { services, invocations } = servicesFor(loginAs, held);
  fake.services = services;
  const err: string[] = [];
  const exit = await runCli(argvOf(name), {
    out: () => {},
    err: (t) => err.push(t),
    env: {
      HOME: work,
      ARX_DATA_DIR: join(work, 'data'),
      ARX_DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none',
      ARX_TRUST_ANCHORS: join(work, 'anchors.pem'),
      ARX_PIN: '123456',
    },
    readStdin: async () => '',
  });
  const steps = invocations.map((i) => i.name);
  const expectedSteps = opensWithoutCard(name) ? [name] : [...LOGIN_STEPS, name, 'card.logout'];
  expect(steps, `${name}: ${err.join(' | ')}`).toEqual(expectedSteps);
  const target = invocations[opensWithoutCard(name) ? 0 : LOGIN_STEPS.length]!;
  const printed = /^([A-Z_]+): /m.exec(err.join('\n'))?.[1] ?? null;
  return { outcome: target.outcome, exit, printed };
}

describe('access through the CLI (arx, in-process)', () => {
  it('every contract command has a verb: `arx <group> <name> --request` or one of its own (fixed lists)', () => {
    const verbOf = (n: CommandName) => CLI_COMMANDS.find((c) => c.name.join('.') === n);
    expect(COMMAND_NAMES.filter((n) => !verbOf(n))).toEqual(UNREACHABLE_FROM_CLI);
    const own = COMMAND_NAMES.filter(
      (n) => verbOf(n) && !verbOf(n)!.usage.startsWith(`arx ${n.replace('.', ' ')} [--request JSON]`),
    );
    expect(own).toEqual(Object.keys(OWN_VERBS));
  });

  it('no session held: SESSION_REQUIRED for every command not declared public; public ones run', async () => {
    const got: Record<string, string> = {};
    for (const name of COMMAND_NAMES.filter((n) => !UNREACHABLE_FROM_CLI.includes(n))) {
      const r = await viaCli(name, operatorSession([]), null);
      got[name] = r.outcome;
      if (r.outcome === 'SESSION_REQUIRED')
        expect({ name, exit: r.exit, printed: r.printed }).toEqual({
          name,
          exit: 2,
          printed: 'SESSION_REQUIRED',
        });
    }
    const expected = Object.fromEntries(
      COMMAND_NAMES.filter((n) => !UNREACHABLE_FROM_CLI.includes(n)).map((n) => [
        n,
        commands[n].access.session === 'none' ? 'ran' : 'SESSION_REQUIRED',
      ]),
    );
    expect(got).toEqual(expected);
  });

  it('roles that do not qualify (qualifying ones only in another tenant): ROLE_REQUIRED, handler not run', async () => {
    const gated = COMMAND_NAMES.filter((n) => {
      const a = commands[n].access;
      return a.session !== 'none' && a.roles && !UNREACHABLE_FROM_CLI.includes(n);
    });
    expect(gated.length).toBeGreaterThan(10);
    for (const name of gated) {
      const access = commands[name].access as { roles: readonly Role[] };
      const tenant = sampleTenant(name);
      const grants = [
        ...ROLES.filter((r) => !access.roles.includes(r)).map((role) => ({ tenantId: tenant ?? OTHER_TENANT, role })),
        ...(tenant === null ? [] : access.roles.map((role) => ({ tenantId: OTHER_TENANT, role }))),
      ];
      const session = operatorSession(grants);
      const r = await viaCli(name, session, session);
      expect({ name, ...r }).toEqual({ name, outcome: 'ROLE_REQUIRED', exit: 2, printed: 'ROLE_REQUIRED' });
    }
  });
});
