import { parseArgs } from 'node:util';
import { ArxFailure } from '../../../shared/contract';
import { loadWasmBlake3 } from '../chain/wasm-blake3';
import { sharedDigestPool } from '../chain/digest-pool';
import { verifyTenantChain, type ChainVerification, type VerifyRange } from '../chain/tenant-chain-verifier';
import { loadConfig } from '../config/config';
import { ControlPlane } from '../controlplane/control-plane';
import { createTenant, resolveTenant } from '../controlplane/tenants';
import { embeddedGateway } from '../simulator/embedded-gateway';
import { simulate } from '../simulator/simulate';
import { loadVerifiedPolicy } from '../policy/gateway-policy';
import { EXIT_CHECK_FAILED, EXIT_OK, type CliCommand, type CliIo } from './cli-command';

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

export function formatVerification(r: ChainVerification): string {
  const lines: string[] = [];
  const range =
    r.range.kind === 'time'
      ? `events from ${r.range.fromTime} to ${r.range.toTime} (seq ${r.range.fromSeq}..${r.range.toSeq})`
      : r.to === null
        ? r.from
          ? `from seq ${r.from}`
          : 'all events'
        : `seq ${r.from}..${r.to}`;
  lines.push(
    `Tenant ${r.tenantId}, ${range}: ${r.rows.toLocaleString('en-US')} events, ${(r.bytes / 1e6).toFixed(1)} MB, ${r.checkpoints.verified}/${r.checkpoints.total} checkpoints verified.`,
  );
  if (r.ok) lines.push('INTACT: every digest, link, sequence number, checkpoint signature and checkpoint root holds.');
  else lines.push(`BROKEN: ${r.errors.length + r.omitted} problem(s).`);
  for (const e of r.errors) {
    const ev = [
      e.details.expected !== undefined ? `expected ${e.details.expected}` : '',
      e.details.found !== undefined ? `found ${e.details.found}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `  ${e.code} at seq ${e.details.seq}${typeof e.details.count === 'number' && e.details.count > 1 ? ` (${e.details.count} events)` : ''}: ${e.message}${ev ? ` (${ev})` : ''}`,
    );
    lines.push(`      ${e.meaning}`);
  }
  if (r.omitted) lines.push(`  … and ${r.omitted} more (see --json).`);
  for (const w of r.warnings) lines.push(`  warning ${w.code} from seq ${w.details.seq}: ${w.meaning}`);
  if (r.checkpoint)
    lines.push(
      `Anchored on the signed checkpoint of size ${r.checkpoint.treeSize} (root ${r.checkpoint.rootSha256}, issued ${r.checkpoint.issuedAt}).`,
    );
  return lines.join('\n');
}

export const chainVerify: CliCommand = {
  name: ['chain', 'verify'],
  summary:
    'Verify a tenant audit chain: digests, links, seq, checkpoint signatures and roots, tenants, jsonb copies, policy versions.',
  usage: 'arx chain verify --tenant T [--from SEQ] [--to SEQ | --since ISO --until ISO] [--json]',
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
      },
      strict: true,
    });
    if (!values.tenant) throw new ArxFailure('INVALID_REQUEST', '--tenant is required.', { path: 'tenant' });
    const from = int('from', values.from);
    const to = int('to', values.to);
    if (from !== undefined && to !== undefined && to < from)
      throw new ArxFailure('INVALID_REQUEST', '--to must not be below --from.', { path: 'to' });
    let range: VerifyRange =
      from !== undefined || to !== undefined ? { kind: 'seq', from: from ?? 0, to: to ?? null } : { kind: 'all' };
    if (values.since !== undefined || values.until !== undefined) {
      if (range.kind !== 'all')
        throw new ArxFailure('INVALID_REQUEST', 'Give either --from/--to or --since/--until.', { path: 'since' });
      if (
        !values.since ||
        !values.until ||
        Number.isNaN(Date.parse(values.since)) ||
        Number.isNaN(Date.parse(values.until))
      ) {
        throw new ArxFailure('INVALID_REQUEST', '--since and --until must both be ISO 8601 times.', {
          path: values.since ? 'until' : 'since',
        });
      }
      range = { kind: 'time', from: values.since, to: values.until };
    }
    const b3 = await loadWasmBlake3();
    const report = await withControlPlane(io, async (cp) => {
      const tenant = await resolveTenant(cp.requirePool(), values.tenant!, cp.adminPoolIfEmbedded());
      let lastPrint = 0;
      return verifyTenantChain(cp.requirePool(), tenant.id, {
        blake3: b3,
        range,
        pool: sharedDigestPool(),
        onProgress: (p) => {
          if (p.phase !== 'events' || Date.now() - lastPrint < 500) return;
          lastPrint = Date.now();
          const of = p.total
            ? ` / ${p.total.toLocaleString('en-US')} (${Math.floor((p.rows / Math.max(1, p.total)) * 100)}%)`
            : '';
          const left = p.secondsLeft === null ? '' : `, ${p.secondsLeft.toFixed(0)} s left`;
          io.err(
            `verified: ${p.rows.toLocaleString('en-US')}${of}, ${p.eventsPerSecond.toLocaleString('en-US')}/s${left} (seq ${p.seq})`,
          );
        },
      });
    });
    io.out(values.json ? JSON.stringify(report, null, 2) : formatVerification(report));
    return report.ok ? EXIT_OK : EXIT_CHECK_FAILED;
  },
};

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
    const b3 = await loadWasmBlake3();
    const result = await withControlPlane(io, async (cp) => {
      const admin = cp.requireAdminPool(); // the simulator plays the gateway of the embedded default only
      const tenant = await resolveTenant(cp.requirePool(), values.tenant!, admin).catch(() =>
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
