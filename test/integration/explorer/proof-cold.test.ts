import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../../shared/bytes';
import { MerkleTree } from '../../../shared/merkle';
import { loadWasmMerkleHasher } from '../../../electron/main/chain/node-crypto';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import { ChainHashesMissing, InclusionProver, SubtreeCache } from '../../../electron/main/explorer/proof';
import { simulate } from '../../../electron/main/simulator/simulate';
import { migratedDatabase } from '../../support/pg';
import { tamperAsOwner } from '../../support/tamper';

/**
 * The prover's one-pass subtrees (proof.ts computePerfect: chain hashes by binary COPY, hashed
 * 1024 leaves at a time in WASM) against shared/merkle's in-memory RFC 9162 tree, cold and after a
 * warm-up; and a chain with a deleted row: no proof, and the connection still usable (the COPY is
 * read to its end).
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
const EVENTS = 4300;
let tree: MerkleTree;

beforeAll(async () => {
  db = await migratedDatabase('proofcold');
  await simulate({
    pool: db.gatewayPool,
    tenantId: db.tenants.a,
    events: EVENTS,
    seed: 21,
    start: new Date('2026-11-02T00:00:00Z'),
    batchSize: 1000,
  });
  await simulate({
    pool: db.gatewayPool,
    tenantId: db.tenants.b,
    events: 2100,
    seed: 22,
    start: new Date('2026-11-02T00:00:00Z'),
    batchSize: 1000,
  });
  const hashes = await db.admin.query<{ chain_hash: Buffer }>(
    'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 ORDER BY seq',
    [db.tenants.a],
  );
  tree = MerkleTree.fromLeaves(hashes.rows.map((r) => new Uint8Array(r.chain_hash)));
  expect(hashes.rows.length).toBeGreaterThanOrEqual(EVENTS);
}, 240_000);
afterAll(async () => {
  await db?.drop();
});

const prove = async (tenant: string, cache: SubtreeCache, index: number, size: number) => {
  const hasher = await loadWasmMerkleHasher();
  return withTenant(db.consolePool, tenant, (c) =>
    new InclusionProver(c, tenant, hasher, cache).inclusionProof(index, size),
  );
};

describe('inclusion proofs from one-pass subtrees', () => {
  it('equal RFC 9162 PATH of the in-memory tree, cold, warm and after a warm-up', async () => {
    const cases: [number, number][] = [
      [0, 4096],
      [4095, 4096],
      [3000, 4300],
      [4299, 4300],
      [1023, 1025],
      [2048, 3073],
      [17, 2049],
    ];
    const warm = new SubtreeCache();
    for (const [m, n] of cases) {
      const want = tree.inclusionProof(m, n).map(toBase64);
      expect((await prove(db.tenants.a, new SubtreeCache(), m, n)).map(toBase64)).toEqual(want);
      expect((await prove(db.tenants.a, warm, m, n)).map(toBase64)).toEqual(want);
    }
    const warmedUp = new SubtreeCache();
    const hasher = await loadWasmMerkleHasher();
    await withTenant(db.consolePool, db.tenants.a, (c) =>
      new InclusionProver(c, db.tenants.a, hasher, warmedUp).warm(4300),
    );
    // Every aligned subtree of >= 1024 leaves below 4300 is cached: 4 of 1024, 2 of 2048, 1 of 4096.
    for (const [s, n] of [
      [0, 1024],
      [3072, 1024],
      [2048, 2048],
      [0, 4096],
    ] as const)
      expect(warmedUp.get(db.tenants.a, s, n)).toBeDefined();
    for (const [m, n] of cases)
      expect((await prove(db.tenants.a, warmedUp, m, n)).map(toBase64)).toEqual(
        tree.inclusionProof(m, n).map(toBase64),
      );
  });

  it('a chain with a deleted row yields no proof over it, and the connection is still good', async () => {
    const before = await db.admin.query<{ n: string }>(
      'SELECT count(*) AS n FROM arx.audit_events WHERE tenant_id = $1',
      [db.tenants.b],
    );
    await tamperAsOwner(db.admin, 'DELETE FROM arx.audit_events WHERE tenant_id = $1 AND seq = 1500', [db.tenants.b]);
    const hasher = await loadWasmMerkleHasher();
    await withTenant(db.consolePool, db.tenants.b, async (client) => {
      const prover = new InclusionProver(client, db.tenants.b, hasher, new SubtreeCache());
      await expect(prover.inclusionProof(5, 2048)).rejects.toBeInstanceOf(ChainHashesMissing);
      await expect(prover.inclusionProof(5, 2048)).rejects.toThrow(/seq 1500/);
      // Same transaction, same connection: the COPY was read to its end.
      const n = await client.query<{ n: string }>('SELECT count(*) AS n FROM arx.audit_events WHERE tenant_id = $1', [
        db.tenants.b,
      ]);
      expect(Number(n.rows[0]!.n)).toBe(Number(before.rows[0]!.n) - 1);
      // Below the deleted row, proofs still work.
      expect((await prover.inclusionProof(3, 1024)).length).toBe(10);
    });
  });
});
