import { parseTrustedWitnessKeys } from '../witness/trusted-keys';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ArxFailure, commands, declaredRoles } from '../../../shared/contract';
import { loadBlake3 } from '../crypto/blake3';
import { isUuid } from '../../../shared/ids';
import type { VerifyProblem, VerifyRange, VerifyResult } from '../../../shared/contract/domains/audit-verify';
import { loadConfig } from '../config/config';
import { ControlPlane } from '../controlplane/control-plane';
import { createTenant, resolveTenant } from '../controlplane/tenants';
import { embeddedGateway } from '../simulator/embedded-gateway';
import { simulate } from '../simulator/simulate';
import { loadVerifiedPolicy } from '../policy/gateway-policy';
import { EXIT_CHECK_FAILED, EXIT_OK, type CliCommand, type CliIo } from './cli-command';
import { CARD_OPTIONS, CARD_USAGE, withOperator, type CliConsole } from './operator-login';
import { fromHex } from '../../../shared/bytes';
import { judgeWitnessedCheckpoint, type CosignatureVerifier, type WitnessVerdict } from '../../../shared/witness';

const int = (name: string, v: string | undefined, min = 0): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) {
    throw new ArxFailure(
      'INVALID_REQUEST',
      `--${name} must be a whole number${min ? ` of at least ${min}` : ''}; got "${v.slice(0, 40)}".`,
      { path: name },
    );
  }
  return Number(v);
};

async function withControlPlane<T>(io: CliIo, fn: (cp: ControlPlane) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env);
  if (config.controlPlane.mode === 'none')
    throw new ArxFailure('DB_NOT_CONFIGURED', 'No control plane is configured (ARX_CONTROL_PLANE=none).');
  const cp = new ControlPlane(
    config,
    () => {},
    (l) => io.env.ARX_DEBUG && io.err(l),
  );
  try {
    await cp.start();
    return await fn(cp);
  } finally {
    await cp.stop();
  }
}

function progressLine(io: CliIo, label: string) {
  const started = Date.now();
  let lastPrint = 0;
  return (done: number, total?: number, extra = '') => {
    const now = Date.now();
    if (now - lastPrint < 500 && (total === undefined || done < total)) return;
    lastPrint = now;
    const rate = done / Math.max(0.001, (now - started) / 1000);
    const pct = total ? ` ${Math.floor((done / total) * 100)}%` : '';
    io.err(
      `${label}: ${done.toLocaleString('en-US')}${total ? ` / ${total.toLocaleString('en-US')}` : ''}${pct}, ${Math.round(rate).toLocaleString('en-US')}/s${extra}`,
    );
  };
}

/** One problem as a line (and its plain meaning below it). */
function problemLines(p: VerifyProblem): string[] {
  const ev = [p.expected !== null ? `expected ${p.expected}` : '', p.found !== null ? `found ${p.found}` : '']
    .filter(Boolean)
    .join(', ');
  const count = p.count !== null && p.count > 1 ? ` (${p.count} events)` : '';
  const at = p.seq >= 0 ? ` at seq ${p.seq}` : '';
  return [`  ${p.code}${at}${count}: ${p.message}${ev ? ` (${ev})` : ''}`, `      ${p.meaning}`];
}

/** The verification result (the contract's `audit.verifyResult`) as a person reads it. */
export function formatVerification(r: VerifyResult): string {
  const g = r.range;
  const range =
    g.kind === 'time'
      ? `events from ${g.fromTime} to ${g.toTime} (seq ${g.fromSeq}..${g.toSeq})`
      : g.kind === 'all'
        ? 'all events'
        : g.toSeq === null
          ? `from seq ${g.fromSeq}`
          : `seq ${g.fromSeq}..${g.toSeq}`;
  const n = r.counts;
  const lines = [
    `Tenant ${r.tenant.slug} (${r.tenant.id}), ${range}: ${n.events.toLocaleString('en-US')} events, ${(n.bytes / 1e6).toFixed(1)} MB, ${n.checkpointsVerified}/${n.checkpointsTotal} checkpoints verified.`,
    r.verdict === 'intact'
      ? 'INTACT: every digest, link, sequence number, checkpoint signature and checkpoint root holds.'
      : `BROKEN: ${n.errors + n.omitted} problem(s).`,
  ];
  for (const p of r.problems.filter((p) => p.severity === 'error')) lines.push(...problemLines(p));
  if (n.omitted) lines.push(`  … and ${n.omitted} more (see --json).`);
  for (const w of r.problems.filter((p) => p.severity === 'warning'))
    lines.push(`  warning ${w.code}${w.seq >= 0 ? ` from seq ${w.seq}` : ''}: ${w.meaning}`);
  if (r.checkpoint)
    lines.push(
      `Anchored on the signed checkpoint of size ${r.checkpoint.treeSize} (root ${r.checkpoint.rootSha256}, issued ${r.checkpoint.issuedAt}).`,
    );
  return lines.join('\n');
}

function verifyRange(values: { from?: string; to?: string; since?: string; until?: string }): VerifyRange {
  const from = int('from', values.from);
  const to = int('to', values.to);
  if (from !== undefined && to !== undefined && to < from)
    throw new ArxFailure('INVALID_REQUEST', '--to must not be below --from.', { path: 'to' });
  if (values.since === undefined && values.until === undefined)
    return from !== undefined || to !== undefined ? { kind: 'seq', from: from ?? 0, to: to ?? null } : { kind: 'all' };
  if (from !== undefined || to !== undefined)
    throw new ArxFailure('INVALID_REQUEST', 'Give either --from/--to or --since/--until.', { path: 'since' });
  if (
    !values.since ||
    !values.until ||
    Number.isNaN(Date.parse(values.since)) ||
    Number.isNaN(Date.parse(values.until))
  )
    throw new ArxFailure('INVALID_REQUEST', '--since and --until must both be ISO 8601 times.', {
      path: values.since ? 'until' : 'since',
    });
  return { kind: 'time', from: new Date(values.since).toISOString(), to: new Date(values.until).toISOString() };
}

/** The tenant's id: given as such, or its slug among the tenants this operator may verify. */
async function tenantToVerify(c: CliConsole, tenant: string): Promise<string> {
  if (isUuid(tenant.toLowerCase())) return tenant.toLowerCase();
  const tenants = await c.call('audit.tenants', {});
  const found = tenants.find((t) => t.slug === tenant);
  if (found) return found.id;
  const roles = declaredRoles(commands['audit.verifyStart'].access);
  throw new ArxFailure(
    'ROLE_REQUIRED',
    `No tenant "${tenant.slice(0, 80)}" among those where you hold the ${roles.join(' or ')} role (${tenants.map((t) => t.slug).join(', ') || 'none'}).`,
    { command: 'audit.verifyStart', roles: [...roles], tenant, path: 'tenant' },
  );
}

/** Runs a verification job to its end through the registry, printing its progress on stderr. */
async function runVerification(c: CliConsole, tenantId: string, range: VerifyRange, io: CliIo): Promise<VerifyResult> {
  let status = await c.call('audit.verifyStart', { tenantId, range });
  let lastPrint = 0;
  while (status.state === 'running') {
    await new Promise((r) => setTimeout(r, 100));
    status = await c.call('audit.verifyStatus', { jobId: status.jobId });
    const p = status.progress;
    if (p.phase !== 'events' || p.rows === 0 || Date.now() - lastPrint < 500) continue;
    lastPrint = Date.now();
    const of = p.total
      ? ` / ${p.total.toLocaleString('en-US')} (${Math.floor((p.rows / Math.max(1, p.total)) * 100)}%)`
      : '';
    const left = p.secondsLeft === null ? '' : `, ${p.secondsLeft.toFixed(0)} s left`;
    io.err(
      `verified: ${p.rows.toLocaleString('en-US')}${of}, ${p.eventsPerSecond.toLocaleString('en-US')}/s${left} (seq ${p.seq})`,
    );
  }
  if (status.state !== 'done')
    throw new ArxFailure(
      status.error?.code ?? 'AUDIT_VERIFY_FAILED',
      status.error?.message ?? `The verification was ${status.state}.`,
    );
  return c.call('audit.verifyResult', { jobId: status.jobId });
}

export const chainVerify: CliCommand = {
  name: ['chain', 'verify'],
  summary:
    'Verify a tenant audit chain as an ISSO or auditor logged in with the card: digests, links, seq, checkpoint signatures and roots, tenants, jsonb copies, policy versions.',
  usage: `arx chain verify --tenant T [--from SEQ] [--to SEQ | --since ISO --until ISO] [--witness-key FILE …] [--require-witnesses K] ${CARD_USAGE} [--json]`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        tenant: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        json: { type: 'boolean' },
        'witness-key': { type: 'string', multiple: true },
        'require-witnesses': { type: 'string' },
        ...CARD_OPTIONS,
      },
      strict: true,
    });
    if (!values.tenant) throw new ArxFailure('INVALID_REQUEST', '--tenant is required.', { path: 'tenant' });
    const range = verifyRange(values);
    const trusted = (values['witness-key'] ?? []).flatMap(readWitnessKeys);
    const required = int('require-witnesses', values['require-witnesses']) ?? 0;
    if (required > 0 && trusted.length === 0)
      throw new ArxFailure('INVALID_REQUEST', '--require-witnesses needs the trusted keys: --witness-key FILE.', {
        path: 'witness-key',
      });
    const judge = trusted.length > 0 || required > 0;
    const { result, witnessing } = await withOperator(io, values, async (c) => {
      const tenantId = await tenantToVerify(c, values.tenant!);
      const result = await runVerification(c, tenantId, range, io);
      return { result, witnessing: judge ? await witnessVerdict(c, tenantId, result, trusted, required) : null };
    });
    io.out(
      values.json
        ? JSON.stringify(witnessing ? { ...result, witnessing } : result, null, 2)
        : [formatVerification(result), ...(witnessing ? [formatWitnessing(witnessing)] : [])].join('\n'),
    );
    return result.verdict === 'intact' && (witnessing?.ok ?? true) ? EXIT_OK : EXIT_CHECK_FAILED;
  },
};

/** Witness vkeys from a trust file: one per line; blank lines and lines starting with # are skipped. */
export function readWitnessKeys(path: string): CosignatureVerifier[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ArxFailure('FILE_UNREADABLE', `Cannot read --witness-key ${path}.`, { path: 'witness-key' });
  }
  return parseTrustedWitnessKeys(text, path);
}

/** The cosignatures stored for the checkpoint the verification anchored on, judged against the trusted keys. */
async function witnessVerdict(
  c: CliConsole,
  tenantId: string,
  r: VerifyResult,
  trusted: readonly CosignatureVerifier[],
  required: number,
): Promise<WitnessVerdict> {
  const anchor = r.checkpoint;
  if (!anchor) return judgeWitnessedCheckpoint(null, [], trusted, required);
  const stored = await c.call('audit.cosignatures', { tenantId, treeSize: anchor.treeSize });
  const cp = stored.find((s) => s.rootSha256 === anchor.rootSha256);
  const checkpoint = cp ? { note: cp.note, size: anchor.treeSize, root: fromHex(anchor.rootSha256)! } : null;
  return judgeWitnessedCheckpoint(checkpoint, cp?.cosignatures ?? [], trusted, required);
}

export function formatWitnessing(w: WitnessVerdict): string {
  const who = w.witnesses.map((x) => `${x.name} at ${new Date(x.timestamp * 1000).toISOString()}`).join(', ');
  const at = w.treeSize === null ? 'no checkpoint' : `the checkpoint of size ${w.treeSize}`;
  const head = `${w.witnesses.length} trusted witness(es) cosigned ${at}${who ? `: ${who}` : ''}; ${w.required} required.`;
  return w.ok ? `WITNESSED: ${head}` : `NOT WITNESSED: ${head}\n  ${w.error!.code}: ${w.error!.message}`;
}

export const simulateCommand: CliCommand = {
  name: ['simulate'],
  summary: 'Play the gateway: write realistic, deterministic traffic through the chain writer and policy engine.',
  usage: 'arx simulate --tenant T --events N [--seed S] [--rate R] [--start ISO] [--json]',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        tenant: { type: 'string' },
        events: { type: 'string' },
        seed: { type: 'string' },
        rate: { type: 'string' },
        start: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    if (!values.tenant) throw new ArxFailure('INVALID_REQUEST', '--tenant is required.', { path: 'tenant' });
    const events = int('events', values.events, 1);
    if (events === undefined) throw new ArxFailure('INVALID_REQUEST', '--events is required.', { path: 'events' });
    const seed = int('seed', values.seed) ?? 1;
    const rate = int('rate', values.rate, 1);
    const start = values.start ? new Date(values.start) : new Date(Date.now() - 14 * 86_400_000);
    if (Number.isNaN(start.getTime()))
      throw new ArxFailure('INVALID_REQUEST', '--start must be an ISO 8601 time.', { path: 'start' });
    const config = loadConfig(io.env);
    const b3 = await loadBlake3();
    const result = await withControlPlane(io, async (cp) => {
      const admin = cp.requireAdminPool(); // the simulator plays the gateway of the embedded default only
      const tenant = await resolveTenant(admin, values.tenant!, admin).catch(() =>
        createTenant(admin, values.tenant!, values.tenant!),
      );
      // Like any gateway: the newest published version whose two signatures verify, or nothing.
      const policy = await loadVerifiedPolicy(cp.requireGatewayPool(), tenant.id);
      const gw = await embeddedGateway(cp, config, tenant, b3);
      const progress = progressLine(io, 'simulated');
      const r = await simulate({
        engine: policy.engine,
        pool: cp.requireGatewayPool(),
        tenantId: tenant.id,
        events,
        seed,
        start,
        writer: gw.writer,
        ...(rate ? { rate } : {}),
        onProgress: (done, total) => progress(done, total),
        drainCheckpoints: () => gw.checkpointer.drainIssued(),
        keyName: gw.key.name,
      });
      // A checkpoint refused over rows that do not recompute is the alarm: say it, once per cause.
      for (const why of new Set(gw.checkpointer.drainRefusals().map((f) => `${f.code}: ${f.message}`)))
        io.err(`warning: no checkpoint signed: ${why}`);
      return { tenant: tenant.slug, tenantId: tenant.id, ...r };
    });
    io.out(
      values.json
        ? JSON.stringify(result, null, 2)
        : `Wrote ${result.written} events to ${result.tenant} (seq ${result.firstSeq}..${result.lastSeq}).`,
    );
    return EXIT_OK;
  },
};
