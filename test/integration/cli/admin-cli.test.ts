import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bootstrapControlPlane } from '../../../electron/main/administration/bootstrap';
import { enrolmentCard, readCertificateFile } from '../../../electron/main/administration/card-certificates';
import { enrolCardLogin } from '../../../electron/main/administration/login-enrolment';
import { provisionTestCards, type ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { createLoginRole } from '../../../electron/main/controlplane/tenant-session';
import { loadTrustStore } from '../../../electron/main/pki/trust-store';
import { personCards, replacementCard } from '../../support/admin-cards';
import { writeCardBundle } from '../../support/card-bundles';
import { migratedDatabase } from '../../support/pg';

/**
 * `arx admin enrol` and `arx admin reenrol` as an administrator runs them at a workstation with
 * their card in the reader: the certificate files checked before the PIN, the steps through the
 * registry, on the embedded test server (docs/deployment.md runs them too, with the rest of the
 * guide, in test/integration/onprem/deployment-guide.test.ts).
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let work: string;
let env: Record<string, string>;
const main = join(process.cwd(), 'electron/main/cli/main.ts');
const workstation = [
  'arx admin enrol --cert dunn.pem --token "ARX TEST ADAMS"',
  'arx admin reenrol --operator 3000000004 --cert dunn-new.pem --token "ARX TEST ADAMS"',
];

function arx(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(join(work, 'bin', 'arx'), args, {
    env: { ...env, ...extra },
    cwd: work,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-admin-cli-'));
  db = await migratedDatabase('admincli');
  const dunn: [string, string, string] = ['DUNN', 'DANA', '3000000004'];
  cards = await provisionTestCards(join(work, 'cards'), {
    specs: [
      ...personCards([['ADAMS', 'ALICE', '3000000001'], ['BAKER', 'BRUCE', '3000000002'], dunn]),
      replacementCard(dunn),
    ],
  });
  for (const card of cards.cards) {
    const dir = join(work, card.label.replace(/\W+/g, '-'));
    mkdirSync(dir);
    const name = card.label === 'ARX NEW DUNN' ? 'dunn-new' : card.label.replace('ARX TEST ', '').toLowerCase();
    writeFileSync(join(work, `${name}.pem`), readFileSync(writeCardBundle(dir, card)));
  }
  const store = loadTrustStore({ anchors: cards.trustAnchors, intermediates: cards.intermediates, crls: cards.crls });
  const admins = await Promise.all(
    ['adams', 'baker'].map((n) => {
      const f = join(work, `${n}.pem`);
      return enrolmentCard(readCertificateFile(f), store, { policyArcs: [cards.policyArc] }, f);
    }),
  );
  await bootstrapControlPlane(db.admin, admins, enrolCardLogin);
  const suffix = db.name.slice(-12);
  const pw = randomBytes(18).toString('base64url');
  await createLoginRole(db.admin, `bootstrap_${suffix}`, pw, 'arx_bootstrap');
  // `arx` as the guide's reader has it on their PATH.
  mkdirSync(join(work, 'bin'));
  writeFileSync(
    join(work, 'bin', 'arx'),
    `#!/bin/sh\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${main}" "$@"\n`,
  );
  chmodSync(join(work, 'bin', 'arx'), 0o755);
  env = {
    PATH: `${join(work, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: work,
    ARX_DATA_DIR: join(work, 'data'),
    ARX_DATABASE_URL: `postgres://bootstrap_${suffix}:${pw}@127.0.0.1:${inject('pg').port}/${db.name}`,
    ARX_PKCS11_MODULE: cards.module,
    ARX_TRUST_ANCHORS: cards.trustAnchors,
    ARX_INTERMEDIATES: cards.intermediates,
    ARX_CRLS: cards.crls,
    ARX_POLICY_ARCS: cards.policyArc,
    SOFTHSM2_CONF: cards.softhsm2Conf,
    ARX_PIN: '123456',
  };
}, 240_000);

afterAll(async () => {
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const certsOf = async (edipi: string) =>
  (
    await db.admin.query<{ retired: boolean }>(
      `SELECT c.retired_at IS NOT NULL AS retired FROM arx.operator_certificates c
         JOIN arx.operators o ON o.id = c.operator_id WHERE o.edipi = $1`,
      [edipi],
    )
  ).rows.map((r) => r.retired);

describe('arx admin enrol / reenrol', () => {
  it('refuses certificate files at the boundary, with the file and where in it, before any PIN', () => {
    writeFileSync(join(work, 'broken.pem'), '# notes\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    writeFileSync(join(work, 'huge.der'), Buffer.alloc(300 * 1024, 1));
    for (const [file, text] of [
      ['broken.pem', /CERT_FILE_INVALID: broken\.pem: certificate 1 \(line 2\) is not readable X\.509/],
      ['huge.der', /CERT_FILE_INVALID: Cannot read huge\.der: 307200 bytes, larger than 256 KiB/],
      ['cards', /CERT_FILE_INVALID: Cannot read cards: not a regular file/],
      ['absent.pem', /CERT_FILE_INVALID: Cannot read absent\.pem/],
    ] as const) {
      const r = arx(['admin', 'enrol', '--cert', file], { ARX_PIN: '' });
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(text);
    }
    expect(arx(['admin', 'reenrol', '--operator', 'DUNN', '--cert', 'dunn-new.pem']).err).toMatch(
      /^INVALID_REQUEST: --operator is/m,
    );
    // The by-name verbs check their arguments before the PIN, too.
    const role = (...a: string[]) => arx(['admin', 'role', 'grant', '--tenant', 'ops', ...a], { ARX_PIN: '' }).err;
    expect(role('--operator', 'DUNN', '--role', 'isso')).toMatch(/^INVALID_REQUEST: --operator is/m);
    expect(role('--operator', '3000000004', '--role', 'root')).toMatch(/^INVALID_REQUEST: --role is one of/m);
    expect(arx(['admin', 'operator', 'disable', '--operator', '1'], { ARX_PIN: '' }).err).toMatch(
      /^INVALID_REQUEST: --operator is/m,
    );
  });

  it('enrols, then re-enrols after a card change, as a script at the workstation', async () => {
    const r = spawnSync('bash', ['-c', ['set -euo pipefail', ...workstation].join('\n')], {
      env,
      cwd: work,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^Enrolled DANA T DUNN \(EDIPI 3000000004\): operator [0-9a-f-]{36}\.$/m);
    expect(r.stdout).toMatch(
      /^Re-enrolled DANA T DUNN \(EDIPI 3000000004\) with the new card; 3 certificates retired\.$/m,
    );
    expect((await certsOf('3000000004')).sort()).toEqual([false, false, false, true, true, true]);
    // The old card again: nothing enrolled is left to re-enrol it with.
    const again = arx([
      'admin',
      'reenrol',
      '--operator',
      '3000000004',
      '--cert',
      'dunn.pem',
      '--token',
      'ARX TEST ADAMS',
    ]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/^ADMINISTRATION_CONFLICT: /m);
  }, 300_000);
});
