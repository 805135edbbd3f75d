import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID, X509Certificate } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorSession } from '../../../shared/contract';
import { exportBundle } from '../../../electron/main/bundle/export';
import { recipientFromFile } from '../../../electron/main/bundle/envelope/keys';
import {
  provisionTestCards,
  registerTestOperators,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';
import { workstationEnv } from '../../support/card-console';
import { CLI_MAIN, cliRunner, type CliRun } from '../../support/cli';
import { migratedDatabase } from '../../support/pg';
import { simulateCheckpointedChain } from '../../support/tamper';

/**
 * `arx bundle export --encrypt-to` with real cards: recipient certificates in PEM and in DER (the
 * cards' own files are DER) both open with their card afterwards; the recovery key (public key in
 * DER) opens with its private key, and a bad one is BUNDLE_RECOVERY_KEY_INVALID. While an encrypted
 * export runs, no file in the output directory or TMPDIR ever holds the bundle in clear, and a
 * failure in the middle of an export leaves nothing behind.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let work: string;
let env: Record<string, string>;
let tenant: string;
let last: number;
const ADAMS = 'ARX TEST ADAMS EC';
const BAKER = 'ARX TEST BAKER RSA';
const PIN = '123456';
const arx = cliRunner(() => env);
const key = { secret: ed25519.utils.randomSecretKey(), name: 'arx-gateway.cli-enc.1' };

const keyManagement = (label: string) =>
  cards.cards.find((c) => c.label === label)!.certificates.find((c) => c.usage === 'key-management')!.file;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-cli-enc-'));
  db = await migratedDatabase('clienc');
  cards = await provisionTestCards(join(work, 'cards'));
  env = await workstationEnv(db, cards, {
    PATH: process.env.PATH ?? '',
    HOME: work,
    ARX_DATA_DIR: join(work, 'data'),
    SOFTHSM2_CONF: cards.softhsm2Conf,
  });
  tenant = randomUUID();
  await db.admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, 'T')`, [
    tenant,
    `enc-${tenant.slice(0, 8)}`,
  ]);
  await simulateCheckpointedChain(db, tenant, key, 400);
  await registerTestOperators(db.admin, cards, [tenant]);
  const size = await db.admin.query<{ s: string }>(
    'SELECT max(tree_size) AS s FROM arx.checkpoints WHERE tenant_id = $1',
    [tenant],
  );
  last = Number(size.rows[0]!.s) - 1;
}, 240_000);

afterAll(async () => {
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `arx` as a child process the test's event loop keeps running beside (the watchers need it). */
function arxAsync(args: string[], extra: Record<string, string>): Promise<CliRun> {
  return new Promise((done) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], { env: { ...env, ...extra } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.stdin.end();
    p.on('close', (code) => done({ code, out, err }));
  });
}

/**
 * Watches directories (inotify, plus a 5 ms poll) and reads every file that appears in them: any
 * holding the tenant id, the tar magic or the bundle's first member name is the bundle in clear.
 */
function clearWatch(dirs: string[], needles: string[]) {
  const seen = new Set<string>();
  const clear: string[] = [];
  const scan = (dir: string) => {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const f = join(dir, n);
      seen.add(f);
      let b: Buffer;
      try {
        b = readFileSync(f);
      } catch {
        continue; // gone, or a directory: a directory's files are scanned when it is watched
      }
      if (needles.some((x) => b.includes(x)) && !clear.includes(f)) clear.push(f);
    }
  };
  const watchers: FSWatcher[] = dirs.map((d) => watch(d, () => scan(d)));
  const poll = setInterval(() => dirs.forEach(scan), 5);
  return {
    stop() {
      watchers.forEach((w) => w.close());
      clearInterval(poll);
      dirs.forEach(scan);
      return { seen: [...seen], clear };
    },
  };
}

type Report = {
  ok: boolean;
  fatal: unknown;
  checks: { ok: boolean }[];
  summary: { events: number };
};

const verify = (file: string, ...more: string[]) =>
  arx(['bundle', 'verify', file, '--trust', cards.trustAnchors, '--allow-unpinned-gateway-keys', '--json', ...more], {
    input: `${PIN}\n`,
  });

describe('arx bundle export --encrypt-to', () => {
  it('seals to PEM and DER certificates and a DER recovery key, never writing the bundle in clear', async () => {
    const out = join(work, 'out');
    const tmp = join(work, 'tmp');
    mkdirSync(out);
    mkdirSync(tmp);
    const adamsPem = join(work, 'adams.pem');
    writeFileSync(adamsPem, new X509Certificate(readFileSync(keyManagement(ADAMS))).toString());
    const bakerDer = keyManagement(BAKER);
    expect(readFileSync(bakerDer)[0]).toBe(0x30); // DER, as the cards' files are
    const rec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    writeFileSync(join(work, 'recovery.pub.der'), rec.publicKey.export({ type: 'spki', format: 'der' }));
    writeFileSync(join(work, 'recovery.pem'), rec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const file = join(out, 'sealed.arxbundle');
    const watching = clearWatch([out, tmp], [tenant, 'ustar', 'arx-bundle']);
    const r = await arxAsync(
      [
        'bundle',
        'export',
        '--tenant',
        tenant,
        '--from',
        '0',
        '--to',
        String(last),
        '--out',
        file,
        '--encrypt-to',
        adamsPem,
        '--encrypt-to',
        bakerDer,
        '--recovery-key',
        join(work, 'recovery.pub.der'),
        '--token',
        ADAMS,
        '--json',
      ],
      { ARX_PIN: PIN, TMPDIR: tmp },
    );
    const watched = watching.stop();
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ path: file, encryption: { recipients: 3, hybrid: 0 } });
    expect(watched.clear).toEqual([]);
    expect(readdirSync(out)).toEqual(['sealed.arxbundle']);
    expect(watched.seen.some((f) => f.startsWith(`${file}.partial-`))).toBe(true); // the watch saw the writing

    // The same range exported in clear: each opening must report exactly what it reports.
    const clear = join(work, 'clear.arxbundle');
    const c = arx(
      ['bundle', 'export', '--tenant', tenant, '--from', '0', '--to', String(last), '--out', clear, '--token', ADAMS],
      {
        env: { ARX_PIN: PIN },
      },
    );
    expect(c.code, c.err).toBe(0);
    const inClear = verify(clear);
    const expected = JSON.parse(inClear.out) as Report;
    expect(expected.fatal).toBeNull();
    expect(expected.summary.events).toBe(last + 1);
    const opened = [
      verify(file, '--card', '--token', ADAMS, '--pin-stdin'),
      verify(file, '--card', '--token', BAKER, '--pin-stdin'),
      verify(file, '--recovery-key', join(work, 'recovery.pem')),
    ].map((v) => {
      const j = JSON.parse(v.out) as Report & { envelope: { openedBy: string } };
      expect(v.code, v.err).toBe(inClear.code);
      expect(j.checks).toEqual(expected.checks);
      return j.envelope.openedBy;
    });
    expect(opened).toEqual(['card', 'card', 'recovery key']);
  }, 300_000);

  it('a recovery key file that is no key: BUNDLE_RECOVERY_KEY_INVALID, for export and for opening', () => {
    writeFileSync(join(work, 'junk.pem'), '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
    const file = join(work, 'never.arxbundle');
    const r = arx(
      [
        'bundle',
        'export',
        '--tenant',
        tenant,
        '--from',
        '0',
        '--to',
        String(last),
        '--out',
        file,
        '--recovery-key',
        join(work, 'junk.pem'),
        '--token',
        ADAMS,
      ],
      { env: { ARX_PIN: PIN } },
    );
    expect(r.code).toBe(2);
    expect(r.err + r.out).toContain('BUNDLE_RECOVERY_KEY_INVALID');
    expect(r.err + r.out).not.toContain('CACHE_RECOVERY_KEY_INVALID');
    expect(readdirSync(work).filter((n) => n.startsWith('never'))).toEqual([]);
    const v = verify(join(work, 'out', 'sealed.arxbundle'), '--recovery-key', join(work, 'junk.pem'));
    expect(v.code).toBe(2);
    expect(v.err + v.out).toContain('BUNDLE_RECOVERY_KEY_INVALID');
  }, 200_000);
});

describe('an encrypted export that fails half-way', () => {
  const session = {
    operatorId: randomUUID(),
    edipi: '1000000001',
    displayName: 'T',
    certificateSha256: '00'.repeat(32),
  } as unknown as OperatorSession;

  it.each(['events', 'signing'])(
    'at %s leaves nothing in the output directory',
    async (where) => {
      const out = mkdtempSync(join(work, `fail-${where}-`));
      const rec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const recipient = recipientFromFile(
        Buffer.from(rec.publicKey.export({ type: 'spki', format: 'pem' }) as string),
        'r',
        'recovery',
      );
      let events = 0;
      const failure = exportBundle(db.admin, {
        tenantId: tenant,
        from: 0,
        to: last,
        outPath: join(out, 'x.arxbundle'),
        recipients: [recipient],
        classification: 'UNCLASSIFIED',
        session,
        sign: () => Promise.reject(new Error('the card was removed')),
        trustStore: null,
        blake3: await loadBlake3(),
        onProgress: (p) => {
          if (p.phase === 'events' && where === 'events' && p.done > 0 && ++events === 1)
            throw new Error('the database went away');
        },
      });
      await expect(failure).rejects.toThrow(where === 'events' ? 'the database went away' : 'the card was removed');
      expect(readdirSync(out)).toEqual([]);
    },
    120_000,
  );
});
