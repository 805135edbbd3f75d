import { parseArgs } from 'node:util';
import { ArxFailure, commands, type CommandName } from '../../../shared/contract';
import { loadConfig } from '../config/config';
import { createConsoleServices, APP_VERSION } from '../composition/console-services';
import { ConsoleSession } from '../core/registry';
import { runConsole } from '../launcher';
import { EXIT_CANNOT_RUN, EXIT_OK, type CliCommand, type CliIo } from './cli-command';
import { CARD_OPTIONS, CARD_USAGE, refusePinInRequest, withOperator } from './operator-login';
import { cardProvisionTest } from './card-commands';
import { BUNDLE_CLI_COMMANDS } from './bundle-commands';
import { chainVerify, simulateCommand } from './chain-commands';
import { adminEnrol, adminReenrol } from './admin-commands';
import { ADMIN_ROLE_CLI_COMMANDS } from './admin-role-commands';
import { GATEWAY_KEY_CLI_COMMANDS } from './gateway-key-commands';
import { dbBootstrap } from './bootstrap-command';
import { dbMigrate } from './db-commands';
import { policyCheck } from './policy-commands';
import { resetCommand } from './reset-command';
import { WITNESS_CLI_COMMANDS } from './witness-commands';

/** Commands anyone may run, logged in or not: the contract declares them `access.session: 'none'`. */
const isPublic = (name: CommandName): boolean => commands[name].access.session === 'none';

/** Whether the command's request carries the card PIN (a signature made on the card). */
function takesPin(name: CommandName): boolean {
  const shape = (commands[name].request as { shape?: Record<string, unknown> }).shape;
  return !!shape && 'pin' in shape;
}

function parseRequest(text: string | undefined): unknown {
  if (text === undefined) return {};
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch {
    throw new ArxFailure('INVALID_REQUEST', '--request is not valid JSON.', { path: 'request' });
  }
  refusePinInRequest(request);
  return request;
}

/**
 * The `arx` CLI: the third adapter over the same handler registry. Every contract command is
 * available as `arx <group> <name>` and prints the contract's response; unless the contract makes
 * it public, it runs for the operator logged in with the card in this process, under the same
 * rules as the window. A PIN the command needs is read like the login PIN, never from --request.
 */
function contractCommand(name: CommandName): CliCommand {
  const [group, method] = name.split('.') as [string, string];
  const open = isPublic(name) && !takesPin(name);
  return {
    name: [group, method],
    summary: commands[name].summary,
    usage: `arx ${group} ${method} [--request JSON]${open ? '' : ` ${CARD_USAGE}`} [--json]`,
    async run(args, io) {
      const { values } = parseArgs({
        args,
        options: { request: { type: 'string' }, json: { type: 'boolean' }, ...CARD_OPTIONS },
        strict: true,
      });
      const request = parseRequest(values.request);
      const value = open
        ? await runPublic(name, request, io)
        : await withOperator(io, values, (c, pin) =>
            c.call(name, (takesPin(name) ? { ...(request as object), pin } : request) as never),
          );
      io.out(JSON.stringify(value, null, 2));
      return EXIT_OK;
    },
  };
}

/** A public command: no card; the control plane only when the command is past the notice. */
async function runPublic(name: CommandName, request: unknown, io: CliIo): Promise<unknown> {
  const services = createConsoleServices(loadConfig(io.env), (l) => io.env.ARX_DEBUG && io.err(l));
  try {
    if (commands[name].requiresConsent && name !== 'settings.get') await services.start();
    // Scripts accept the notice by running the CLI on a system whose banner they were shown at login.
    const session = new ConsoleSession();
    session.consentAcknowledgedAt = new Date();
    const result = await services.registry.invoke(name, request, { adapter: 'cli', session });
    if (!result.ok) throw new ArxFailure(result.error.code, result.error.message, result.error.details);
    return result.value;
  } finally {
    await services.stop();
  }
}

const demo: CliCommand = {
  name: ['demo'],
  summary: 'Open ARX Console on its embedded defaults (embedded control plane, demo card).',
  usage: 'arx demo',
  run: () => runConsole(),
};

export const CLI_COMMANDS: CliCommand[] = [
  demo,
  dbMigrate,
  dbBootstrap,
  adminEnrol,
  adminReenrol,
  ...ADMIN_ROLE_CLI_COMMANDS,
  ...GATEWAY_KEY_CLI_COMMANDS,
  simulateCommand,
  chainVerify,
  cardProvisionTest,
  policyCheck,
  resetCommand,
  ...BUNDLE_CLI_COMMANDS,
  ...WITNESS_CLI_COMMANDS,
  ...(Object.keys(commands) as CommandName[]).filter((n) => n !== 'bundle.export').map(contractCommand),
];

export function helpText(): string {
  const width = Math.max(...CLI_COMMANDS.map((c) => c.name.join(' ').length));
  const lines = CLI_COMMANDS.map((c) => `  ${c.name.join(' ').padEnd(width)}  ${c.summary}`);
  return [
    `arx ${APP_VERSION} — ARX Console command line`,
    '',
    'Usage: arx <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Exit codes: 0 success, 1 a check failed, 2 it could not run.',
    'Run `arx <command> --help` for the options of one command.',
  ].join('\n');
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(helpText());
    return argv.length === 0 ? EXIT_CANNOT_RUN : EXIT_OK;
  }
  if (argv[0] === '--version') {
    io.out(APP_VERSION);
    return EXIT_OK;
  }
  const cmd = CLI_COMMANDS.filter((c) => c.name.every((w, i) => argv[i] === w)).sort(
    (a, b) => b.name.length - a.name.length,
  )[0];
  if (!cmd) {
    io.err(`Unknown command: ${argv.slice(0, 2).join(' ')}. Run \`arx --help\` for the list.`);
    return EXIT_CANNOT_RUN;
  }
  const rest = argv.slice(cmd.name.length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${cmd.usage}\n\n${cmd.summary}`);
    return EXIT_OK;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    // One clear line, never a stack trace.
    if (err instanceof ArxFailure) io.err(`${err.code}: ${err.message}`);
    else if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
      io.err(`INVALID_REQUEST: ${(err as Error).message}`);
    else io.err(`INTERNAL: ${(err as Error).message}`);
    if (io.env.ARX_DEBUG) io.err(String((err as Error).stack));
    return EXIT_CANNOT_RUN;
  }
}
