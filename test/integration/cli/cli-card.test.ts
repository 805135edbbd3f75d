import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../../shared/contract/domains/audit-verify';
import {
  provisionTestCards,
  registerTestOperators,
  SOFTHSM2_MODULE,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { workstationEnv } from '../../support/card-console';
import { CLI_MAIN, cliRunner } from '../../support/cli';
import { migratedDatabase } from '../../support/pg';
import { simulateCheckpointedChain, tamperAsOwner } from '../../support/tamper';

/**
 * The `arx` CLI as a client like the window: each run logs in with a SoftHSM2 card in its own
 * process (--token or --slot; the PIN from --pin-stdin, ARX_PIN or a terminal, never an argument)
 * and its commands go through the registry as that operator.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let work: string;
let env: Record<string, string>;
const key = { secret: ed25519.utils.randomSecretKey(), name: 'arx-gateway.cli-test.1' };
const ADAMS = 'ARX TEST ADAMS EC';
// A PIN no digest or timestamp contains by chance, so that finding it anywhere means it leaked.
const SECRET_PIN = `Qz${randomBytes(5).toString('hex')}`;
const arx = cliRunner(() => env);

/** A tenant with `events` checkpointed events where the test cards' operators hold their roles. */
async function tenantWith(events: number): Promise<string> {
  const tenant = randomUUID();
  await db.admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, 'T')`, [
    tenant,
    `cli-${tenant.slice(0, 8)}`,
  ]);
  await simulateCheckpointedChain(db, tenant, key, events);
  await registerTestOperators(db.admin, cards, [tenant]);
  return tenant;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-cli-card-'));
  db = await migratedDatabase('clicard');
  cards = await provisionTestCards(join(work, 'cards'));
  // ADAMS gets a PIN of its own for the leak test (the other cards keep the test PIN).
  execFileSync(
    'pkcs11-tool',
    ['--module', SOFTHSM2_MODULE, '--token-label', ADAMS, '--login', '--pin', '123456', '--change-pin'].concat([
      '--new-pin',
      SECRET_PIN,
    ]),
    { env: { PATH: process.env.PATH, SOFTHSM2_CONF: cards.softhsm2Conf }, stdio: 'ignore' },
  );
  // The workstation holds the bootstrap login only; each operator's own login is unwrapped by their card.
  env = await workstationEnv(db, cards, {
    PATH: process.env.PATH ?? '',
    HOME: work,
    ARX_DATA_DIR: join(work, 'data'),
    SOFTHSM2_CONF: cards.softhsm2Conf,
  });
}, 240_000);

afterAll(async () => {
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('arx chain verify logs in with the card and verifies through the registry', () => {
  it('--token and ARX_PIN: exit 0, INTACT; --json prints the contract result (audit.verifyResult)', async () => {
    const t = await tenantWith(1000);
    const text = arx(['chain', 'verify', '--tenant', t, '--token', ADAMS], { env: { ARX_PIN: SECRET_PIN } });
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain('INTACT');
    expect(text.err).toContain(`Logging in with ${ADAMS}`);
    const json = arx(['chain', 'verify', '--tenant', `cli-${t.slice(0, 8)}`, '--token', ADAMS, '--json'], {
      env: { ARX_PIN: SECRET_PIN },
    });
    expect(json.code, json.err).toBe(0);
    const result = JSON.parse(json.out) as VerifyResult;
    expect(result).toMatchObject({ verdict: 'intact', tenant: { id: t }, counts: { errors: 0 } });
    // The chain's 1000 events, and the session events of the two logins since.
    expect(result.counts.events).toBeGreaterThanOrEqual(1000);
  }, 240_000);

  it('--slot and --pin-stdin; without a choice among several cards it lists them and touches none', async () => {
    const t = await tenantWith(300);
    const unchosen = arx(['chain', 'verify', '--tenant', t, '--pin-stdin'], { input: '123456\n' });
    expect(unchosen.code).toBe(2);
    expect(unchosen.err).toMatch(/^CARD_NOT_CHOSEN: /m);
    const slot = /ARX TEST BAKER RSA in slot ([0-9a-f]+)/.exec(unchosen.err)?.[1];
    expect(slot, unchosen.err).toBeDefined();
    const r = arx(['chain', 'verify', '--tenant', t, '--slot', slot!, '--pin-stdin', '--json'], { input: '123456\n' });
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as VerifyResult).verdict).toBe('intact');
  }, 240_000);

  it('exit 1 listing every problem with code and seq', async () => {
    const t = await tenantWith(2000);
    await tamperAsOwner(db.admin, 'DELETE FROM arx.audit_events WHERE tenant_id = $1 AND seq = 300', [t]);
    await tamperAsOwner(
      db.admin,
      `UPDATE arx.audit_events SET bytes = bytes || '\\x20'::bytea WHERE tenant_id = $1 AND seq = 1500`,
      [t],
    );
    const h = arx(['chain', 'verify', '--tenant', t, '--token', ADAMS], { env: { ARX_PIN: SECRET_PIN } });
    expect(h.code, h.err).toBe(1);
    expect(h.out).toMatch(/SEQ_GAP at seq 300/);
    expect(h.out).toMatch(/EVENT_DIGEST_MISMATCH at seq 1500/);
    const j = arx(['chain', 'verify', '--tenant', t, '--token', ADAMS, '--json'], { env: { ARX_PIN: SECRET_PIN } });
    expect(j.code).toBe(1);
    expect((JSON.parse(j.out) as VerifyResult).problems.map((p) => p.code)).toEqual(
      expect.arrayContaining(['SEQ_GAP', 'EVENT_DIGEST_MISMATCH']),
    );
  }, 240_000);

  it('exit 2 with one clear line when it cannot run: no PIN, bad range, no such card, control plane down, revoked card', () => {
    const noPin = arx(['chain', 'verify', '--tenant', randomUUID(), '--token', ADAMS]);
    expect(noPin.code).toBe(2);
    expect(noPin.err.trim().split('\n')).toHaveLength(1);
    expect(noPin.err).toMatch(/^CARD_PIN_REQUIRED: /);
    const bad = arx(['chain', 'verify']);
    expect(bad.err.trim()).toBe('INVALID_REQUEST: --tenant is required.');
    const range = arx(['chain', 'verify', '--tenant', randomUUID(), '--from', 'x'], { env: { ARX_PIN: '123456' } });
    expect(range.code).toBe(2);
    expect(range.err).toMatch(/^INVALID_REQUEST: --from/);
    const none = arx(['chain', 'verify', '--tenant', randomUUID(), '--token', 'NO SUCH CARD'], {
      env: { ARX_PIN: '123456' },
    });
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^CARD_NOT_CHOSEN: No such card/m);
    const down = arx(['chain', 'verify', '--tenant', randomUUID(), '--token', ADAMS], {
      env: { ARX_PIN: SECRET_PIN, ARX_DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' },
    });
    expect(down.code).toBe(2);
    expect(down.err).toMatch(/^DB_UNREACHABLE/);
    expect(down.err).not.toMatch(/\n\s+at /);
    const revoked = arx(['chain', 'verify', '--tenant', randomUUID(), '--token', 'ARX TEST REVOKED'], {
      env: { ARX_PIN: '123456' },
    });
    expect(revoked.code).toBe(2);
    expect(revoked.err).toMatch(/^CERT_REVOKED: /m);
  }, 300_000);
});

describe('a PIN on the command line is refused, and the PIN leaks nowhere', () => {
  it('a PIN inside --request: CLI_PIN_IN_ARGUMENTS, saying why, before anything is touched', () => {
    const r = arx(['policy', 'approve', '--request', JSON.stringify({ tenantId: randomUUID(), pin: '123456' })]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^CLI_PIN_IN_ARGUMENTS: .*\/proc\/PID\/cmdline/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  }, 60_000);

  it('after a CLI login and a signature (bundle export, ARX_DEBUG=1): not in /proc/*/cmdline, output, logs or data files', async () => {
    const t = await tenantWith(300);
    const out = join(work, 'leak.arxbundle');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI_MAIN,
        'bundle',
        'export',
        '--tenant',
        t,
        '--from',
        '0',
        '--to',
        '99',
        '--out',
        out,
        '--token',
        ADAMS,
        '--pin-stdin',
      ],
      { env: { ...env, ARX_DEBUG: '1' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    child.stdin.end(`${SECRET_PIN}\n`);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let done = false;
    void exited.then(() => (done = true));
    // Every process's command line, read while the CLI runs (its children included).
    let seen = 0;
    const inCmdline: string[] = [];
    while (!done) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          const cmd = readFileSync(`/proc/${pid}/cmdline`);
          seen++;
          if (cmd.includes(SECRET_PIN)) inCmdline.push(cmd.toString().replaceAll('\0', ' '));
        } catch {
          // the process ended meanwhile
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await exited, output).toBe(0);
    expect(seen).toBeGreaterThan(0);
    expect(inCmdline).toEqual([]);
    expect(output).toContain(`Wrote ${out}`);
    expect(output).not.toContain(SECRET_PIN);
    const files = filesUnder(env.ARX_DATA_DIR!).concat(out);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => readFileSync(f).includes(SECRET_PIN))).toEqual([]);
  }, 240_000);
});

describe('arx card provision-test touches only the embedded demo', () => {
  it('refuses an on-prem control plane before making or registering anything', async () => {
    const before = await db.admin.query('SELECT count(*)::int AS n FROM arx.operator_certificates');
    const dir = join(work, 'refused-cards');
    const r = arx(['card', 'provision-test', '--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^PROVISION_NOT_DEMO: /);
    expect(existsSync(dir)).toBe(false);
    const after = await db.admin.query('SELECT count(*)::int AS n FROM arx.operator_certificates');
    expect(after.rows[0]).toEqual(before.rows[0]);
  }, 60_000);
});

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    const st = statSync(p);
    return st.isDirectory() ? filesUnder(p) : st.isFile() ? [p] : [];
  });
}
