import 'reflect-metadata';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { provisionTestCards, type ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { createConsoleServices, type ConsoleServices } from '../../../electron/main/composition/console-services';
import { loadConfig } from '../../../electron/main/config/config';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { parseSignerKey } from '../../../shared/checkpoint/keys';
import { personCards, replacementCard } from '../../support/admin-cards';
import { writeCardBundle } from '../../support/card-bundles';
import { consoleCaller, loginCard } from '../../support/card-console';
import { makeTestTls } from '../../support/external-pg';

/**
 * docs/deployment.md, executed: every `sh` and `sh workstation` block in order, in one shell,
 * against the onprem cluster (a database named `arx` of its own), with the site settings of
 * section 0 pointing at it and the test PKI's cards as the two administrators (ADAMS, BAKER) and
 * the three operators (CARTER, DUNN, ELLIS; DUNN's card replaced by ARX NEW DUNN). Between the
 * blocks before section 7 and its revocation, CARTER holds a console session open in this
 * process: the revocation must reach it at its next call.
 */
const GUIDE = readFileSync(join(process.cwd(), 'docs/deployment.md'), 'utf8');
const fenced = [...GUIDE.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1]!.trim(), body: m[2]! }));
const blocks = (info: string) => fenced.filter((m) => m.info === info).map((m) => m.body);
/** What the test runs: the DBA's shell blocks, the workstations' and the gateway host's, in the guide's order. */
const shell = fenced.filter((m) => ['sh', 'sh workstation', 'sh gateway'].includes(m.info)).map((m) => m.body);

let work: string;
let cards: ProvisionedTestCards;
const c = () => inject('onpremPg');
const connection = (user: string, password: string, database: string) => ({
  host: '127.0.0.1',
  port: c().port,
  user,
  password,
  database,
  ssl: { ca: readFileSync(c().caFile, 'utf8'), rejectUnauthorized: true },
});
const root = (database = 'postgres') => new pg.Client(connection('postgres', c().password, database));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-guide-'));
  const dunn: [string, string, string] = ['DUNN', 'DANA', '3000000004'];
  cards = await provisionTestCards(join(work, 'cards'), {
    specs: [
      ...personCards([
        ['ADAMS', 'ALICE', '3000000001'],
        ['BAKER', 'BRUCE', '3000000002'],
        ['CARTER', 'CORA', '3000000003'],
        dunn,
        ['ELLIS', 'EMMA', '3000000005'],
      ]),
      replacementCard(dunn),
    ],
  });
  for (const card of cards.cards) {
    const name = card.label === 'ARX NEW DUNN' ? 'dunn-new' : card.label.replace('ARX TEST ', '').toLowerCase();
    const dir = mkdirSync(join(work, 'bundles', name), { recursive: true })!;
    writeFileSync(join(work, `${name}.pem`), readFileSync(writeCardBundle(dir, card)));
  }
  // The enclave CA's stand-in, on "the CA host" (the work directory).
  const ca = makeTestTls(mkdirSync(join(work, 'ca'), { recursive: true })!);
  writeFileSync(join(work, 'enclave-ca.crt'), readFileSync(ca.caFile));
  writeFileSync(join(work, 'enclave-ca.key'), readFileSync(join(work, 'ca', 'ca.key')));
  const r = root();
  await r.connect();
  await r.query('DROP DATABASE IF EXISTS arx_restored WITH (FORCE)');
  await r.query('DROP DATABASE IF EXISTS arx WITH (FORCE)');
  await r.query('CREATE DATABASE arx');
  await r.end();
}, 240_000);

afterAll(async () => {
  const r = root();
  await r.connect();
  await r.query('DROP DATABASE IF EXISTS arx_restored WITH (FORCE)');
  await r.query('DROP DATABASE IF EXISTS arx WITH (FORCE)');
  for (const role of ['gateway_login', 'console_bootstrap']) await r.query(`DROP ROLE IF EXISTS ${role}`);
  await r.end();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('docs/deployment.md', () => {
  it('asks for TLS 1.3, SCRAM and hostssl scram-sha-256 only, as the test cluster runs', async () => {
    const hba = blocks('conf pg_hba.conf').join('').trim().split('\n');
    expect(hba.length).toBeGreaterThan(0);
    for (const line of hba) expect(line).toMatch(/^hostssl\s+\S+\s+\S+\s+\S+\s+scram-sha-256$/);
    const conf = blocks('conf postgresql.conf').join('');
    for (const setting of ['ssl = on', "ssl_min_protocol_version = 'TLSv1.3'", "password_encryption = 'scram-sha-256'"])
      expect(conf).toContain(setting);
  });

  it('runs every command of the guide, in order; the revocation reaches an open session', async () => {
    const env = guideEnv();
    const revocation = shell.findIndex((b) => b.includes('arx admin role revoke'));
    expect(revocation).toBeGreaterThan(0);
    expect(shell.length).toBeGreaterThanOrEqual(14);
    const state = join(work, 'state.sh');
    // The guide's shell, resumed across the pauses: its exported settings kept in `state`.
    const run = (parts: string[]) => {
      const script = ['set -euo pipefail', `[ -f ${state} ] && source ${state}`, ...parts, `export -p > ${state}`];
      return spawnSync('bash', ['-c', script.join('\n')], { cwd: work, env, encoding: 'utf8', timeout: 480_000 });
    };
    const out: string[] = [];
    const err: string[] = [];
    const stage = (parts: string[]) => {
      const r = run(parts);
      out.push(r.stdout);
      err.push(r.stderr);
      expect(r.status, `${out.join('')}\n${err.join('')}`).toBe(0);
    };
    stage(shell.slice(0, revocation));
    const carter = await openSession(env);
    try {
      expect((await carter.call<{ slug: string }[]>('audit.tenants', {})).map((t) => t.slug)).toEqual(['ops']);
      stage(shell.slice(revocation, revocation + 1));
      expect(await carter.call<unknown[]>('audit.tenants', {})).toEqual([]);
    } finally {
      await carter.stop();
    }
    stage(shell.slice(revocation + 1));
    checkOutput(out.join(''), err.join(''));
    await checkSystemChain(run);
  }, 900_000);
});

/**
 * After the guide, the system chain holds only the bootstrap's unsigned records and card-signed
 * administration events: its gateway (the guide's key, through the gateway role) checkpoints all
 * of it, and `arx chain verify` anchors on that checkpoint with no unauthenticated writer.
 */
async function checkSystemChain(run: (parts: string[]) => { status: number | null; stdout: string; stderr: string }) {
  const gatewayPassword = 'guide-gateway-after';
  const r = root('arx');
  await r.connect();
  let sys: string;
  let size: number;
  try {
    await r.query(`ALTER ROLE gateway_login PASSWORD '${gatewayPassword}'`);
    sys = (await r.query<{ id: string }>('SELECT arx.system_tenant() AS id')).rows[0]!.id;
    const n = await r.query<{ n: string }>('SELECT count(*) AS n FROM arx.audit_events WHERE tenant_id = $1', [sys]);
    size = Number(n.rows[0]!.n);
  } finally {
    await r.end();
  }
  const parsed = parseSignerKey(readFileSync(join(work, 'gateway-control-plane-1.key'), 'utf8').trim());
  if (!parsed.ok) throw new Error(parsed.error.message);
  const gateway = new pg.Pool({ ...connection('gateway_login', gatewayPassword, 'arx'), max: 1 });
  try {
    const checkpointer = new Checkpointer(sys, parsed.value, { everyEvents: 1000, everyMs: 1 });
    expect((await checkpointer.tick(gateway))?.size).toBe(size);
    const v = run(['arx chain verify --tenant control-plane --json --token "ARX TEST BAKER"']);
    expect(v.status, v.stderr).toBe(0);
    const result = JSON.parse(v.stdout) as {
      verdict: string;
      checkpoint: { treeSize: number } | null;
      problems: { code: string; seq: number; severity: string }[];
    };
    expect(result.verdict).toBe('intact');
    expect(result.checkpoint?.treeSize).toBe(size);
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
    // tenant.created, ADAMS and BAKER enrolled and granted administrator, CARTER and ELLIS enrolled: one append.
    const writers = result.problems.filter((p) => p.code.startsWith('EVENT_WRITER'));
    expect(writers.map((p) => [p.code, p.seq])).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((seq) => ['EVENT_WRITER_BOOTSTRAP', seq]),
    );
    expect(size).toBeGreaterThan(7);
    // BAKER's login and logout since, card-signed, are checkpointed on the next tick too.
    expect((await checkpointer.tick(gateway))?.size).toBeGreaterThan(size);
  } finally {
    await gateway.end();
  }
}

/** The site settings of section 0 for the test's cluster, the cards' module and PIN, `arx` on the PATH. */
function guideEnv(): Record<string, string> {
  const bin = join(work, 'bin');
  mkdirSync(bin);
  const main = join(process.cwd(), 'electron/main/cli/main.ts');
  writeFileSync(
    join(bin, 'arx'),
    `#!/bin/sh\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${main}" "$@"\n`,
  );
  chmodSync(join(bin, 'arx'), 0o755);
  writeFileSync(join(work, '.pgpass'), `127.0.0.1:${c().port}:*:postgres:${c().password}\n`, { mode: 0o600 });
  return {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: work,
    NODE_PATH: process.env.NODE_PATH ?? '',
    DB_HOST: 'localhost',
    DB_PORT: String(c().port),
    ARX_DATABASE_CA: c().caFile,
    ARX_ADMIN_DATABASE_URL: `postgresql://postgres@127.0.0.1:${c().port}/arx?sslmode=verify-full&sslrootcert=${c().caFile}`,
    ARX_TRUST_ANCHORS: cards.trustAnchors,
    ARX_INTERMEDIATES: cards.intermediates,
    ARX_CRLS: cards.crls,
    ARX_POLICY_ARCS: cards.policyArc,
    ARX_DATA_DIR: join(work, 'data'),
    PGPASSFILE: join(work, '.pgpass'),
    // The workstation's card reader: the test cards; the PIN as a script supplies it.
    ARX_PKCS11_MODULE: cards.module,
    SOFTHSM2_CONF: cards.softhsm2Conf,
    ARX_PIN: '123456',
  };
}

/** CARTER at a console of their own, in this process, logged in with their card (the guide's workstation settings). */
async function openSession(env: Record<string, string>) {
  const exported = readFileSync(join(work, 'state.sh'), 'utf8');
  const url = /^declare -x ARX_DATABASE_URL="([^"]+)"$/m.exec(exported)?.[1];
  expect(url).toMatch(/^postgresql:\/\/console_bootstrap:/);
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  const config = loadConfig({ ...env, ARX_DATABASE_URL: url!, ARX_DATA_DIR: join(work, 'carter') });
  const services: ConsoleServices = createConsoleServices(config, () => {});
  await services.start();
  const caller = consoleCaller(() => services);
  await loginCard(caller, 'ARX TEST CARTER');
  return { ...caller, stop: () => services.stop() };
}

/** What the guide's commands printed: each step's outcome, and only the refusals it shows on purpose. */
function checkOutput(stdout: string, stderr: string) {
  const refusals = stderr.split('\n').filter((l) => /^[A-Z][A-Z_]+: /.test(l));
  expect(refusals.map((l) => l.split(':')[0])).toEqual([
    'ADMINISTRATION_SELF_REFUSED',
    'ADMINISTRATION_SELF_REFUSED',
    'OPERATOR_DISABLED',
    'OPERATOR_LOGIN_OTHER_CARD',
  ]);
  expect(stderr.replace(/^CREATE DATABASE\n/m, ''), stdout).not.toMatch(/ERROR|FATAL|INTERNAL/);
  for (const line of [
    /^t\|TLSv1\.3$/m,
    /arx_bootstrap arx_console arx_gateway arx_login_admin arx_operator arx_owner/,
    /Administrator ALICE T ADAMS \(EDIPI 3000000001\)/,
    /^Enrolled CORA T CARTER \(EDIPI 3000000003\), no role: operator [0-9a-f-]{36}, login arx_op_[0-9a-f]{32}\.$/m,
    /^CORA T CARTER\|arx_op_[0-9a-f]{32}$/m,
    /^EMMA T ELLIS\|arx_op_[0-9a-f]{32}$/m,
    /^Logged in as ALICE T ADAMS \(EDIPI 3000000001\): administrator in control-plane\.$/m,
    /^Enrolled DANA T DUNN \(EDIPI 3000000004\): operator [0-9a-f-]{36}\.$/m,
    /^Granted auditor in ops for CORA T CARTER \(EDIPI 3000000003\)\.$/m,
    /^Requested isso in ops for EMMA T ELLIS \(EDIPI 3000000005\) \(request [0-9a-f-]{36}\): a second administrator approves it\.$/m,
    /^Approved: isso in ops for EMMA T ELLIS \(EDIPI 3000000005\) is granted\.$/m,
    /^own request: approval refused$/m,
    /^self-grant refused$/m,
    /^Logged in as CORA T CARTER \(EDIPI 3000000003\): auditor in ops\.$/m,
    /^Logged in as DANA T DUNN \(EDIPI 3000000004\): policy-author in ops\.$/m,
    /^Logged in as EMMA T ELLIS \(EDIPI 3000000005\): isso in ops\.$/m,
    /^Revoked auditor in ops for CORA T CARTER \(EDIPI 3000000003\)\.$/m,
    /^Disabled EMMA T ELLIS \(EDIPI 3000000005\)\.$/m,
    /^disabled: login refused$/m,
    /^Re-enrolled DANA T DUNN \(EDIPI 3000000004\) with the new card; 3 certificates retired\.$/m,
    /^old card refused$/m,
    /^arx-gateway\.ops\.1\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/m,
    /^Registered gateway key arx-gateway\.ops\.1 for ops: valid \S+Z \.\. open\.$/m,
    /^Rotated arx-gateway\.ops\.1 to arx-gateway\.ops\.2: arx-gateway\.ops\.2 valid from \S+Z; arx-gateway\.ops\.1 until \S+Z\.$/m,
    /^Revoked arx-gateway\.ops\.1: valid until \S+Z; 0 stored checkpoints it signed since no longer verify\.$/m,
    /^ops\tarx-gateway\.ops\.1\tended\t\S+ \.\. \S+ \(revoked\)$/m,
    /^ops\tarx-gateway\.ops\.2\tvalid\t\S+ \.\. open$/m,
    /^Registered gateway key arx-gateway\.control-plane\.1 for control-plane: valid \S+Z \.\. open\.$/m,
    /^Granted auditor in control-plane for BRUCE T BAKER \(EDIPI 3000000002\)\.$/m,
    /^Tenant control-plane \([0-9a-f-]{36}\), all events: .*\nINTACT: /m,
    /^Wrote 3 gateway keys to auditor-trust\/gateway-keys\.txt \(SHA-256 [0-9a-f]{64}\)\.$/m,
    /^2$/m,
  ])
    expect(stdout).toMatch(line);
  // The replaced card's holder keeps their grant; the login with the new card shows it.
  expect(stdout.match(/^Logged in as DANA T DUNN \(EDIPI 3000000004\): policy-author in ops\.$/gm)).toHaveLength(2);
  expect(
    execFileSync('openssl', ['x509', '-in', join(work, 'server.crt'), '-noout', '-ext', 'subjectAltName'], {
      encoding: 'utf8',
    }),
  ).toContain('DNS:localhost');
}
