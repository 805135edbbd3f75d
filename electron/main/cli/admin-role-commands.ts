import { parseArgs } from 'node:util';
import { ArxFailure, ROLES, type OperatorSession, type Role } from '../../../shared/contract';
import { EXIT_OK, type CliCommand } from './cli-command';
import { CARD_OPTIONS, CARD_USAGE, withOperator, type CliConsole } from './operator-login';

/**
 * The administrators' steps by name rather than by id, as docs/deployment.md writes them:
 * `arx admin role grant|approve|revoke --tenant SLUG --operator EDIPI --role ROLE` and
 * `arx admin operator disable|enable --operator EDIPI`, each run as the administrator whose card is
 * in the reader and signed on it (the contract verbs `arx admin grant --request JSON` stay), and
 * `arx login`: an operator's card login, printing who they are and what they hold where.
 */

const EDIPI = /^[0-9]{10}$/;

function edipiOf(value: string | undefined): string {
  if (!value || !EDIPI.test(value))
    throw new ArxFailure('INVALID_REQUEST', '--operator is the operator’s EDIPI (10 digits).', { path: 'operator' });
  return value;
}

function roleOf(value: string | undefined): Role {
  if (!value || !(ROLES as readonly string[]).includes(value))
    throw new ArxFailure('INVALID_REQUEST', `--role is one of ${ROLES.join(', ')}.`, { path: 'role' });
  return value as Role;
}

async function operatorByEdipi(c: CliConsole, edipi: string) {
  const found = (await c.call('admin.operatorList', {})).find((o) => o.edipi === edipi);
  if (!found) throw new ArxFailure('NOT_FOUND', `No operator with EDIPI ${edipi} is enrolled.`, { path: 'operator' });
  return found;
}

async function tenantBySlug(c: CliConsole, slug: string | undefined) {
  const found = slug ? (await c.call('admin.tenantList', {})).find((t) => t.slug === slug) : undefined;
  if (!found) throw new ArxFailure('NOT_FOUND', `No tenant ${slug ?? '(none given)'}.`, { path: 'tenant' });
  return found;
}

const ROLE_OPTIONS = {
  tenant: { type: 'string' },
  operator: { type: 'string' },
  role: { type: 'string' },
  ...CARD_OPTIONS,
} as const;

type RoleVerb = 'grant' | 'approve' | 'revoke';

/** One grant step on a tenant, operator and role named in the arguments; returns the line to print. */
async function roleStep(verb: RoleVerb, c: CliConsole, pin: string, a: { tenant?: string; edipi: string; role: Role }) {
  const tenant = await tenantBySlug(c, a.tenant);
  const op = await operatorByEdipi(c, a.edipi);
  const what = `${a.role} in ${tenant.slug} for ${op.displayName} (EDIPI ${op.edipi})`;
  if (verb === 'approve') {
    const request = (await c.call('admin.grantRequests', {})).find(
      (r) => r.tenantId === tenant.tenantId && r.operatorId === op.operatorId && r.role === a.role,
    );
    if (!request) throw new ArxFailure('NOT_FOUND', `No grant request waits for ${what}.`, { path: 'role' });
    await c.call('admin.approve', { requestId: request.requestId, pin });
    return `Approved: ${what} is granted.`;
  }
  const req = { tenantId: tenant.tenantId, operatorId: op.operatorId, role: a.role, pin };
  if (verb === 'revoke') {
    await c.call('admin.revoke', req);
    return `Revoked ${what}.`;
  }
  const r = await c.call('admin.grant', req);
  return r.state === 'granted'
    ? `Granted ${what}.`
    : `Requested ${what} (request ${r.requestId}): a second administrator approves it.`;
}

function roleCommand(verb: RoleVerb, summary: string): CliCommand {
  return {
    name: ['admin', 'role', verb],
    summary,
    usage: `arx admin role ${verb} --tenant SLUG --operator EDIPI --role ROLE ${CARD_USAGE}`,
    async run(args, io) {
      const { values } = parseArgs({ args, options: ROLE_OPTIONS, strict: true });
      const a = { tenant: values.tenant, edipi: edipiOf(values.operator), role: roleOf(values.role) };
      io.out(await withOperator(io, values, (c, pin) => roleStep(verb, c, pin, a)));
      return EXIT_OK;
    },
  };
}

function statusCommand(verb: 'disable' | 'enable', summary: string): CliCommand {
  return {
    name: ['admin', 'operator', verb],
    summary,
    usage: `arx admin operator ${verb} --operator EDIPI ${CARD_USAGE}`,
    async run(args, io) {
      const { values } = parseArgs({ args, options: { operator: { type: 'string' }, ...CARD_OPTIONS }, strict: true });
      const edipi = edipiOf(values.operator);
      const line = await withOperator(io, values, async (c, pin) => {
        const op = await operatorByEdipi(c, edipi);
        await c.call(verb === 'disable' ? 'admin.operatorDisable' : 'admin.operatorEnable', {
          operatorId: op.operatorId,
          pin,
        });
        return `${verb === 'disable' ? 'Disabled' : 'Enabled'} ${op.displayName} (EDIPI ${op.edipi}).`;
      });
      io.out(line);
      return EXIT_OK;
    },
  };
}

/** "CORA T CARTER (EDIPI 3000000003): auditor in ops; isso in ops" — or "no role" when they hold none. */
export function sessionLine(s: OperatorSession): string {
  const roles = s.roles.map((r) => `${r.role} in ${r.tenant}`).join('; ');
  return `Logged in as ${s.displayName} (EDIPI ${s.edipi}): ${roles || 'no role'}.`;
}

export const loginCommand: CliCommand = {
  name: ['login'],
  summary: 'Log in with the card, print who you are and the roles you hold per tenant, log out.',
  usage: `arx login ${CARD_USAGE} [--json]`,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, ...CARD_OPTIONS }, strict: true });
    const s = await withOperator(io, values, async (_c, _pin, operator) => operator);
    io.out(values.json ? JSON.stringify(s, null, 2) : sessionLine(s));
    return EXIT_OK;
  },
};

export const ADMIN_ROLE_CLI_COMMANDS: CliCommand[] = [
  roleCommand('grant', 'Grant a role (isso, administrator: requested, for a second administrator to approve).'),
  roleCommand('approve', 'Approve, as the second administrator, the waiting grant of a role.'),
  roleCommand('revoke', 'Revoke a role; an open session of the operator loses it at its next call.'),
  statusCommand('disable', 'Disable an operator: login refused, open sessions ended.'),
  statusCommand('enable', 'Enable a disabled operator again.'),
  loginCommand,
];
