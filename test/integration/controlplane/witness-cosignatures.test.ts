import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../../shared/bytes';
import { ed25519Signer, formatCheckpoint, signNote } from '../../../shared/checkpoint';
import { MerkleTree } from '../../../shared/merkle';
import { checkCosignatures, cosignatureVerifier, ed25519Cosigner, requireWitnesses } from '../../../shared/witness';
import { enrolOperatorLogin } from '../../../electron/main/controlplane/repos/operator-logins';
import {
  cosignaturesOf,
  recordCosignature,
  registerWitnessKey,
} from '../../../electron/main/controlplane/repos/witnesses';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import { randomDatabasePassword, scramSha256Verifier } from '../../../electron/main/crypto/scram';
import { migratedDatabase, type MigratedDatabase } from '../../support/pg';

/**
 * Migration 0022 with operators' own credentials: only an ISSO attaches cosignatures, only with a
 * witness key registered to them, only to stored checkpoints, never going back or signing a second
 * root at one size; the console and gateway roles can neither call the functions nor write the tables.
 */
let db: MigratedDatabase;
let tenant: string;
let isso: pg.Pool;
let isso2: pg.Pool;
let auditor: pg.Pool;
const tree = MerkleTree.fromLeaves(Array.from({ length: 20 }, (_, i) => utf8(`event ${i}`)));
const forked = MerkleTree.fromLeaves(Array.from({ length: 20 }, (_, i) => utf8(`forged ${i}`)));
const gateway = ed25519Signer('arx-gateway.alpha.1', new Uint8Array(32).fill(0x11));
const w1 = ed25519Cosigner('isso-1.arx.example/witness', new Uint8Array(32).fill(0x21));
const w2 = ed25519Cosigner('isso-2.arx.example/witness', new Uint8Array(32).fill(0x22));

const body = (size: number, t = tree) =>
  formatCheckpoint({ origin: `arx.gateway/${tenant}`, size, root: t.root(size), extensions: [] });

async function operator(roles: string[]): Promise<pg.Pool> {
  const id = randomUUID();
  const edipi = String(1_300_000_000 + Math.floor(Math.random() * 9_000_000));
  await db.admin.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, $2, 'Op')`, [id, edipi]);
  for (const role of roles)
    await db.admin.query('INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, $3)', [
      tenant,
      id,
      role,
    ]);
  const password = randomDatabasePassword();
  await enrolOperatorLogin(db.admin, {
    operatorId: id,
    scramVerifier: scramSha256Verifier(password),
    wrap: randomBytes(64),
    wrapKeySha256: randomBytes(32),
  });
  return db.connect(`arx_op_${id.replace(/-/g, '')}`, password);
}

async function storeCheckpoint(size: number, t = tree, at = '2026-06-01T00:00:00Z') {
  await db.admin.query(
    `INSERT INTO arx.checkpoints (tenant_id, tree_size, root, note, key_name, issued_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [tenant, size, Buffer.from(t.root(size)), signNote(body(size, t), [gateway]), gateway.name, at],
  );
}

const as = <T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>) => withTenant(pool, tenant, fn);
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string; message?: string }) => e.code ?? String(e.message),
  );
const record = (pool: pg.Pool, size: number, line: string, t = tree) =>
  code(as(pool, (c) => recordCosignature(c, tenant, { treeSize: size, root: t.root(size), line })));

beforeAll(async () => {
  db = await migratedDatabase('wit');
  tenant = db.tenants.a;
  [isso, isso2, auditor] = [await operator(['isso']), await operator(['isso']), await operator(['auditor'])];
  await storeCheckpoint(5);
  await storeCheckpoint(10);
  await storeCheckpoint(10, forked, '2026-06-01T01:00:00Z');
  await storeCheckpoint(15);
}, 60_000);

describe('checkpoint cosignatures in the control plane', () => {
  it('lets an ISSO register a witness key, and nobody else', async () => {
    expect(await code(as(isso, (c) => registerWitnessKey(c, tenant, w1.name, w1.publicKey)))).toBe('ok');
    expect(await code(as(isso2, (c) => registerWitnessKey(c, tenant, w2.name, w2.publicKey)))).toBe('ok');
    expect(await code(as(isso2, (c) => registerWitnessKey(c, tenant, w1.name, w2.publicKey)))).toBe(
      'POLICY_VERSION_EXISTS',
    );
    const other = ed25519Cosigner('auditor.arx.example/witness', new Uint8Array(32).fill(0x23));
    expect(await code(as(auditor, (c) => registerWitnessKey(c, tenant, other.name, other.publicKey)))).toBe(
      'ROLE_REQUIRED',
    );
  });

  it('records the witness own cosignatures on stored checkpoints, in order', async () => {
    expect(await record(isso, 5, w1.cosign(body(5), 100))).toBe('ok');
    expect(await record(isso, 10, w1.cosign(body(10), 200))).toBe('ok');
    expect(await record(isso, 10, w1.cosign(body(10), 200))).toBe('ok'); // the same line again: no change
    expect(await record(isso2, 10, w2.cosign(body(10), 210))).toBe('ok');
    const rows = await as(db.consolePool, (c) => cosignaturesOf(c, tenant));
    expect(rows.map((r) => [r.witness_name, Number(r.tree_size)])).toEqual([
      [w1.name, 5],
      [w1.name, 10],
      [w2.name, 10],
    ]);
    const note = `${signNote(body(10), [gateway])}${rows
      .filter((r) => r.tree_size === '10')
      .map((r) => r.line)
      .join('')}`;
    const report = checkCosignatures(
      note,
      [w1, w2].map((w) => cosignatureVerifier(w.name, w.publicKey)),
    );
    expect(report.ok && requireWitnesses(report.value, 2).ok).toBe(true);
  });

  it('refuses a fork, a rollback, another key under the name, another ISSO key and an unstored checkpoint', async () => {
    expect(await record(isso, 10, w1.cosign(body(10, forked), 300), forked)).toBe('WITNESS_FORK_DETECTED');
    expect(await record(isso, 5, w1.cosign(body(5), 300))).toBe('WITNESS_ROLLBACK_REFUSED');
    const impostor = ed25519Cosigner(w1.name, new Uint8Array(32).fill(0x99));
    expect(await record(isso, 15, impostor.cosign(body(15), 300))).toBe('COSIGNATURE_MALFORMED');
    expect(await record(isso, 15, w2.cosign(body(15), 300))).toBe('ROLE_REQUIRED');
    expect(await record(isso, 12, w1.cosign(body(12), 300))).toBe('NOT_FOUND');
    expect(await record(isso, 15, 'not a line\n')).toBe('COSIGNATURE_MALFORMED');
    expect(await record(isso, 15, w1.cosign(body(15), 300))).toBe('ok');
  });

  it('gives the console, gateway and auditor roles neither the functions nor the tables', async () => {
    for (const pool of [db.consolePool, db.gatewayPool, auditor]) {
      expect(await record(pool, 15, w1.cosign(body(15), 400))).toMatch(/^(42501|ROLE_REQUIRED)$/);
      for (const sql of [
        `INSERT INTO arx.checkpoint_cosignatures (tenant_id, witness_name, tree_size, root, cosigned_at, line)
          VALUES ('${tenant}', '${w1.name}', 19, '\\x${'00'.repeat(32)}', 1, 'x')`,
        `DELETE FROM arx.checkpoint_cosignatures`,
        `UPDATE arx.witness_keys SET public_key = public_key`,
      ])
        expect(await code(as(pool, (c) => c.query(sql)))).toBe('42501');
    }
    expect(await code(db.admin.query('DELETE FROM arx.checkpoint_cosignatures'))).toBe('42501');
  });
});
