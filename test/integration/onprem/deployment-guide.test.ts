import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { provisionTestCards, type ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { personCards } from '../../support/admin-cards';
import { writeCardBundle } from '../../support/card-bundles';
import { makeTestTls } from '../../support/external-pg';

/**
 * docs/deployment.md, executed: every `sh` block in order, in one shell, against the onprem
 * cluster (a database named `arx` of its own), with the site settings of section 0 pointing at
 * it and the test PKI's cards as the administrators and operator.
 */
const GUIDE = readFileSync(join(process.cwd(), 'docs/deployment.md'), 'utf8');
const blocks = (info: string) =>
  [...GUIDE.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1]!.trim() === info).map((m) => m[2]!);

let work: string;
let cards: ProvisionedTestCards;
const c = () => inject('onpremPg');
const root = () =>
  new pg.Client({
    host: '127.0.0.1',
    port: c().port,
    user: 'postgres',
    password: c().password,
    database: 'postgres',
    ssl: { ca: readFileSync(c().caFile, 'utf8'), rejectUnauthorized: true },
  });

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-guide-'));
  cards = await provisionTestCards(join(work, 'cards'), {
    specs: personCards([
      ['ADAMS', 'ALICE', '3000000001'],
      ['BAKER', 'BRUCE', '3000000002'],
      ['CARTER', 'CORA', '3000000003'],
    ]),
  });
  for (const card of cards.cards) {
    const name = card.label.replace('ARX TEST ', '').toLowerCase();
    writeFileSync(join(work, `${name}.pem`), readFileSync(writeCardBundle(work, card)));
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
}, 180_000);

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

  it('runs every command of the guide, in order, against the cluster', () => {
    const bin = join(work, 'bin');
    mkdirSync(bin);
    const main = join(process.cwd(), 'electron/main/cli/main.ts');
    writeFileSync(
      join(bin, 'arx'),
      `#!/bin/sh\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${main}" "$@"\n`,
    );
    chmodSync(join(bin, 'arx'), 0o755);
    writeFileSync(join(work, '.pgpass'), `127.0.0.1:${c().port}:*:postgres:${c().password}\n`, { mode: 0o600 });
    const url = `postgresql://postgres@127.0.0.1:${c().port}/arx?sslmode=verify-full&sslrootcert=${c().caFile}`;
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: work,
      NODE_PATH: process.env.NODE_PATH ?? '',
      DB_HOST: 'localhost',
      ARX_DATABASE_CA: c().caFile,
      ARX_ADMIN_DATABASE_URL: url,
      ARX_TRUST_ANCHORS: cards.trustAnchors,
      ARX_INTERMEDIATES: cards.intermediates,
      ARX_CRLS: cards.crls,
      ARX_POLICY_ARCS: cards.policyArc,
      ARX_DATA_DIR: join(work, 'data'),
      PGPASSFILE: join(work, '.pgpass'),
    };
    const script = ['set -euo pipefail', ...blocks('sh')].join('\n');
    expect(blocks('sh').length).toBeGreaterThanOrEqual(8);
    const r = spawnSync('bash', ['-c', script], { cwd: work, env, encoding: 'utf8', timeout: 240_000 });
    expect(r.stderr.replace(/^CREATE DATABASE\n/m, ''), r.stdout).not.toMatch(/ERROR|FATAL|refused|INTERNAL/);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^t\|TLSv1\.3$/m);
    expect(r.stdout).toMatch(/arx_bootstrap arx_console arx_gateway arx_login_admin arx_operator arx_owner/);
    expect(r.stdout).toMatch(/Administrator ALICE T ADAMS \(EDIPI 3000000001\)/);
    expect(r.stdout).toMatch(/^CORA T CARTER\|arx_op_[0-9a-f]{32}$/m);
    expect(
      execFileSync('openssl', ['x509', '-in', join(work, 'server.crt'), '-noout', '-ext', 'subjectAltName'], {
        encoding: 'utf8',
      }),
    ).toContain('DNS:localhost');
  }, 300_000);
});
