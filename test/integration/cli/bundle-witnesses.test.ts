import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../../shared/bytes';
import { ed25519Cosigner, formatWitnessKey } from '../../../shared/witness';
import {
  provisionTestCards,
  registerTestOperators,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { workstationEnv } from '../../support/card-console';
import { cliRunner } from '../../support/cli';
import { migratedDatabase } from '../../support/pg';
import { simulateCheckpointedChain } from '../../support/tamper';

/**
 * Witness cosignatures in bundles (docs/bundle-format.md §3 cosignatures.json, §5.3): the export
 * carries the lines stored for its checkpoints in a member of their own; `arx bundle verify
 * --witness-key FILE --require-witnesses K` (or witness-keys.txt in the trust directory) judges the
 * anchoring checkpoint. A bundle built on a forked history — the witnesses cosigned another root of
 * the same size — fails `--require-witnesses 1` with WITNESS_QUORUM_NOT_MET (exit 1).
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let work: string;
let env: Record<string, string>;
const ADAMS = 'ARX TEST ADAMS EC';
const PIN = '123456';
const arx = cliRunner(() => env);
const witnesses = [1, 2, 3].map((i) =>
  ed25519Cosigner(`isso-${i}.arx.example/witness`, new Uint8Array(32).fill(0x50 + i)),
);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-cli-bundle-wit-'));
  db = await migratedDatabase('bundlewit');
  cards = await provisionTestCards(join(work, 'cards'));
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

/** A tenant with a checkpointed chain; `who` cosign its newest checkpoint, or (fork) another root of its size. */
async function tenantCosigned(who: typeof witnesses, fork: boolean): Promise<{ tenant: string; last: number }> {
  const tenant = randomUUID();
  await db.admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, 'T')`, [
    tenant,
    `bw-${tenant.slice(0, 8)}`,
  ]);
  const key = { secret: ed25519.utils.randomSecretKey(), name: `arx-gateway.bw-${tenant.slice(0, 8)}.1` };
  await simulateCheckpointedChain(db, tenant, key, 300);
  await registerTestOperators(db.admin, cards, [tenant]);
  const cp = (
    await db.admin.query<{ tree_size: string; root: Buffer; note: string }>(
      'SELECT tree_size, root, note FROM arx.checkpoints WHERE tenant_id = $1 ORDER BY tree_size DESC, issued_at DESC LIMIT 1',
      [tenant],
    )
  ).rows[0]!;
  let body = cp.note.slice(0, cp.note.indexOf('\n\n') + 1);
  let root = cp.root;
  if (fork) {
    // The history the witnesses saw: same origin and size, another root.
    root = randomBytes(32);
    const lines = body.split('\n');
    lines[2] = toBase64(new Uint8Array(root));
    body = lines.join('\n');
  }
  const op = (await db.admin.query<{ id: string }>('SELECT id FROM arx.operators LIMIT 1')).rows[0]!.id;
  for (const w of who) {
    await db.admin.query(
      'INSERT INTO arx.witness_keys (tenant_id, name, public_key, operator_id) VALUES ($1, $2, $3, $4)',
      [tenant, w.name, Buffer.from(w.publicKey), op],
    );
    await db.admin.query(
      `INSERT INTO arx.checkpoint_cosignatures (tenant_id, witness_name, tree_size, root, cosigned_at, line)
       VALUES ($1, $2, $3, $4, 1800000000, $5)`,
      [tenant, w.name, cp.tree_size, root, w.cosign(body, 1_800_000_000)],
    );
  }
  return { tenant, last: Number(cp.tree_size) - 1 };
}

function exportBundle(t: { tenant: string; last: number }, name: string): string {
  const out = join(work, name);
  const r = arx(
    ['bundle', 'export', '--tenant', t.tenant, '--from', '0', '--to', String(t.last), '--out', out, '--token', ADAMS],
    { env: { ARX_PIN: PIN } },
  );
  expect(r.code, r.err).toBe(0);
  return out;
}

const keysFile = (name: string, who: typeof witnesses) => {
  const path = join(work, name);
  writeFileSync(path, `# trusted witnesses\n${who.map((w) => formatWitnessKey(w.name, w.publicKey)).join('\n')}\n`);
  return path;
};

type Report = {
  ok: boolean;
  checks: { id: string; ok: boolean }[];
  witnessing?: { ok: boolean; witnesses: { name: string }[]; error?: { code: string } };
};
function verify(file: string, ...more: string[]): { code: number | null; r: Report; text: string } {
  const v = arx(['bundle', 'verify', file, '--trust', cards.trustAnchors, '--allow-unpinned-gateway-keys', ...more]);
  const j = arx([
    'bundle',
    'verify',
    file,
    '--trust',
    cards.trustAnchors,
    '--allow-unpinned-gateway-keys',
    '--json',
    ...more,
  ]);
  expect(j.code).toBe(v.code);
  return { code: j.code, r: JSON.parse(j.out) as Report, text: v.out };
}

describe('arx bundle verify --require-witnesses', () => {
  it('counts trusted cosignatures carried in cosignatures.json, and fails below K with WITNESS_QUORUM_NOT_MET', async () => {
    const file = exportBundle(await tenantCosigned(witnesses.slice(0, 2), false), 'witnessed.arxbundle');
    expect(readFileSync(file).includes('cosignatures.json')).toBe(true);
    const all = keysFile('all.vkeys', witnesses);
    const plain = verify(file);
    expect(plain.r.witnessing).toBeUndefined();

    const two = verify(file, '--witness-key', all, '--require-witnesses', '2');
    expect(two.r.checks).toEqual(plain.r.checks); // the bundle's own checks are untouched
    expect(two.r.witnessing).toMatchObject({
      ok: true,
      witnesses: [{ name: witnesses[0]!.name }, { name: witnesses[1]!.name }],
    });
    expect(two.text).toContain('WITNESSED: 2 trusted witness(es)');

    const three = verify(file, '--witness-key', all, '--require-witnesses', '3');
    expect(three.code).toBe(1);
    expect(three.r.ok).toBe(false);
    expect(three.r.witnessing).toMatchObject({ ok: false, error: { code: 'WITNESS_QUORUM_NOT_MET' } });
    expect(three.text).toContain('WITNESS_QUORUM_NOT_MET');

    // Only keys the auditor trusts count: witness 2 is not in this file.
    const one = verify(
      file,
      '--witness-key',
      keysFile('one.vkeys', [witnesses[0]!, witnesses[2]!]),
      '--require-witnesses',
      '2',
    );
    expect(one.r.witnessing).toMatchObject({ ok: false, error: { code: 'WITNESS_QUORUM_NOT_MET' } });
  }, 300_000);

  it('a bundle built on a forked history fails --require-witnesses 1', async () => {
    const file = exportBundle(await tenantCosigned(witnesses.slice(0, 3), true), 'forked.arxbundle');
    const v = verify(file, '--witness-key', keysFile('all2.vkeys', witnesses), '--require-witnesses', '1');
    expect(v.code).toBe(1);
    expect(v.r.witnessing).toMatchObject({ ok: false, witnesses: [], error: { code: 'WITNESS_QUORUM_NOT_MET' } });
  }, 300_000);
});
