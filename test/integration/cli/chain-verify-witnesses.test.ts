import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  provisionTestCards,
  registerTestOperators,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { ed25519Cosigner, formatWitnessKey } from '../../../shared/witness';
import { workstationEnv } from '../../support/card-console';
import { cliRunner } from '../../support/cli';
import { migratedDatabase } from '../../support/pg';
import { simulateCheckpointedChain } from '../../support/tamper';

/**
 * `arx chain verify --witness-key FILE --require-witnesses K`: after the chain verifies, the
 * cosignatures stored for the checkpoint it anchored on are judged against the auditor's own
 * trusted witness keys; fewer than K fails with exit 1 and WITNESS_QUORUM_NOT_MET.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let work: string;
let env: Record<string, string>;
const key = { secret: ed25519.utils.randomSecretKey(), name: 'arx-gateway.cli-test.1' };
const ADAMS = 'ARX TEST ADAMS EC';
const PIN = '123456';
const arx = cliRunner(() => env);

/** A tenant with `events` checkpointed events where the test cards' operators hold their roles. */
async function tenantWith(events: number): Promise<string> {
  const tenant = randomUUID();
  await db.admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, 'T')`, [
    tenant,
    `wit-${tenant.slice(0, 8)}`,
  ]);
  await simulateCheckpointedChain(db, tenant, key, events);
  await registerTestOperators(db.admin, cards, [tenant]);
  return tenant;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-cli-witness-'));
  db = await migratedDatabase('cliwit');
  cards = await provisionTestCards(join(work, 'cards'));
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

const witnesses = [1, 2, 3].map((i) =>
  ed25519Cosigner(`isso-${i}.arx.example/witness`, new Uint8Array(32).fill(0x40 + i)),
);

/** Attaches cosignatures of `who` to the tenant's newest checkpoint, as the definer function stores them. */
async function cosignNewest(tenant: string, who: typeof witnesses): Promise<number> {
  const cp = (
    await db.admin.query<{ tree_size: string; root: Buffer; note: string }>(
      'SELECT tree_size, root, note FROM arx.checkpoints WHERE tenant_id = $1 ORDER BY tree_size DESC, issued_at DESC LIMIT 1',
      [tenant],
    )
  ).rows[0]!;
  const op = (await db.admin.query<{ id: string }>('SELECT id FROM arx.operators LIMIT 1')).rows[0]!.id;
  const body = cp.note.slice(0, cp.note.indexOf('\n\n') + 1);
  for (const w of who) {
    await db.admin.query(
      'INSERT INTO arx.witness_keys (tenant_id, name, public_key, operator_id) VALUES ($1, $2, $3, $4)',
      [tenant, w.name, Buffer.from(w.publicKey), op],
    );
    await db.admin.query(
      `INSERT INTO arx.checkpoint_cosignatures (tenant_id, witness_name, tree_size, root, cosigned_at, line)
       VALUES ($1, $2, $3, $4, 1800000000, $5)`,
      [tenant, w.name, cp.tree_size, cp.root, w.cosign(body, 1_800_000_000)],
    );
  }
  return Number(cp.tree_size);
}

function trustFile(name: string, who: typeof witnesses): string {
  const path = join(work, name);
  writeFileSync(path, `# trusted witnesses\n${who.map((w) => formatWitnessKey(w.name, w.publicKey)).join('\n')}\n`);
  return path;
}

describe('arx chain verify --require-witnesses', () => {
  it('passes with k trusted cosignatures on the anchoring checkpoint, fails below k with exit 1', async () => {
    const t = await tenantWith(300);
    const size = await cosignNewest(t, witnesses.slice(0, 2));
    const all = trustFile('all.vkeys', witnesses);
    const verify = (file: string, k: number, json = false) =>
      arx(
        [
          'chain',
          'verify',
          '--tenant',
          t,
          '--token',
          ADAMS,
          '--witness-key',
          file,
          '--require-witnesses',
          String(k),
        ].concat(json ? ['--json'] : []),
        { env: { ARX_PIN: PIN } },
      );
    const two = verify(all, 2);
    expect(two.code, two.err).toBe(0);
    expect(two.out).toContain(`WITNESSED: 2 trusted witness(es) cosigned the checkpoint of size ${size}`);

    const three = verify(all, 3, true);
    expect(three.code, three.err).toBe(1);
    const result = JSON.parse(three.out) as { verdict: string; witnessing: { ok: boolean; error: { code: string } } };
    expect(result).toMatchObject({
      verdict: 'intact',
      witnessing: { ok: false, error: { code: 'WITNESS_QUORUM_NOT_MET' } },
    });

    // Only the keys the auditor trusts count: the second cosigner is not in this file.
    const one = verify(trustFile('one.vkeys', [witnesses[0]!, witnesses[2]!]), 2);
    expect(one.code).toBe(1);
    expect(one.out).toContain('NOT WITNESSED: 1 trusted witness(es)');
    expect(one.out).toContain('WITNESS_QUORUM_NOT_MET');
  }, 300_000);
});
