import { createHash, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorWriter } from '../../../shared/events';
import { verifyTenantChain } from '../../../electron/main/chain/tenant-chain-verifier';
import type { WriterTrust } from '../../../electron/main/chain/writer-check';
import { ed25519Signer } from '../../../shared/checkpoint';
import { ChainWriter, type EventSigner } from '../../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { registerGatewayKey } from '../../../electron/main/controlplane/gateway-keys';
import { createTestPki, issueCardCertificate, issueCrl } from '../../../electron/main/pki/test-pki';
import { simulate } from '../../../electron/main/simulator/simulate';
import { migratedDatabase, type MigratedDatabase } from '../../support/pg';

/**
 * Writers of the chain are authenticated by every verification (docs/chain-format.md §8): a
 * console event without a valid card signature of the operator it names is an error, whoever
 * could write the row (here a superuser, who bypasses every check of the control plane).
 */
let db: MigratedDatabase;
let trust: WriterTrust;
let honest = -1;
let cp: Checkpointer;
const budgetExceeded = {
  type: 'com.arx.budget.exceeded' as const,
  data: { team: 'ops', period: '2026-12', budgetCents: 1, spentCents: 2 },
};
/** One gateway event through the gateway's writer, with the checkpointer as its hook. */
const gatewayAppend = () =>
  new ChainWriter(db.gatewayPool, db.tenants.a, { source: '/arx/gateway/test', afterAppend: cp.afterAppend }).append([
    budgetExceeded,
  ]);
const ops: Record<'x' | 'y', { id: string; key: KeyObject; sha256: string }> = {} as never;

async function enrol(name: 'x' | 'y', edipi: string, pki: Awaited<ReturnType<typeof createTestPki>>) {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const cert = await issueCardCertificate(pki, {
    person: { last: 'TEST', first: name.toUpperCase(), middle: 'M', edipi },
    usage: 'piv-auth',
    case: 'good',
    publicKey: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    keyType: 'ec',
  });
  const der = Buffer.from(cert.rawData);
  const sha256 = createHash('sha256').update(der).digest('hex');
  const id = randomUUID();
  await db.admin.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, $2, $3)`, [id, edipi, name]);
  await db.admin.query(
    `INSERT INTO arx.operator_certificates (sha256, operator_id, usage, subject, not_after, der) VALUES ($1, $2, 'piv-auth', $3, $4, $5)`,
    [Buffer.from(sha256, 'hex'), id, cert.subject, cert.notAfter, der],
  );
  ops[name] = { id, key: privateKey, sha256 };
}

/** What the card does with the login key: ECDSA over SHA-256 of the preimage, DER. */
function signer(who: 'x' | 'y', tamper = false): EventSigner {
  return {
    certificateSha256: ops[who].sha256,
    sign: async (preimage) => {
      const sig = cryptoSign('sha256', preimage, { key: ops[who].key, dsaEncoding: 'der' });
      if (tamper) sig[sig.length - 5]! ^= 0x01;
      return new Uint8Array(sig);
    },
  };
}

const published = (by: string) => ({
  type: 'com.arx.policy.published' as const,
  data: { policyId: 'p1', versionSha256: 'a'.repeat(64), previousSha256: null, publishedBy: by },
});

beforeAll(async () => {
  db = await migratedDatabase('writerauth');
  const pki = await createTestPki();
  await enrol('x', '1000000101', pki);
  await enrol('y', '1000000102', pki);
  trust = {
    store: {
      anchors: [pki.root.cert],
      intermediates: [pki.intermediate.cert],
      crls: [await issueCrl(pki.root, []), await issueCrl(pki.intermediate, [])],
    },
    policy: { policyArcs: [pki.policyArc] },
  };
  await simulate({
    pool: db.gatewayPool,
    tenantId: db.tenants.a,
    events: 40,
    seed: 5,
    start: new Date('2026-11-02T00:00:00Z'),
    writer: new ChainWriter(db.gatewayPool, db.tenants.a, { source: '/arx/simulator/test' }),
  });
});
afterAll(async () => {
  await db?.drop();
});

const verify = (writerTrust: WriterTrust | null = trust) =>
  verifyTenantChain(db.consolePool, db.tenants.a, { pool: null, checkDocuments: false, writerTrust });

/** Appends as a superuser, who bypasses every check of the control plane: only the signature counts. */
async function append(who: 'x' | 'y', opts: { signer?: EventSigner } = {}) {
  const w = new ChainWriter(db.admin, db.tenants.a, {
    source: '/arx/console/test',
    writer: operatorWriter(ops[who].id),
    ...opts,
  });
  return (await w.append([published(ops[who].id)])).firstSeq;
}

describe('console writers, authenticated by their card signature', () => {
  it('an event signed by the operator it names verifies; gateway events need no signature', async () => {
    honest = await append('x', { signer: signer('x') });
    const r = await verify();
    expect(r.errors).toEqual([]);
    expect(r.verdict).toBe('intact');
  });

  it('a forged console event planted by a superuser (no signature) is an error', async () => {
    const seq = await append('x');
    const r = await verify();
    expect(r.verdict).toBe('broken');
    expect(r.errors.map((e) => [e.code, e.details.seq])).toEqual([['EVENT_WRITER_UNAUTHENTICATED', seq]]);
    expect(r.errors[0]!.details.found).toBe(operatorWriter(ops.x.id));
  });

  it("an event naming X but signed with Y's card is an error; so is a flipped bit in a signature", async () => {
    const before = (await verify()).errors.length;
    const otherCard = await append('x', { signer: signer('y') });
    const flipped = await append('x', { signer: signer('x', true) });
    const r = await verify();
    const found = r.errors.slice(before).map((e) => [e.code, e.details.seq]);
    expect(found).toEqual([
      ['EVENT_WRITER_UNAUTHENTICATED', otherCard],
      ['EVENT_SIGNATURE_INVALID', flipped],
    ]);
  });

  it('the checkpointer signs nothing over forged console events; verification still reports each', async () => {
    const key = { name: `arx.gateway/${db.tenants.a}`, secret: new Uint8Array(32).fill(7) };
    const gw = ed25519Signer(key.name, key.secret);
    await registerGatewayKey(db.admin, db.tenants.a, {
      name: key.name,
      secretKey: key.secret,
      publicKey: gw.publicKey,
      validFrom: new Date(Date.now() - 86_400_000),
    });
    cp = new Checkpointer(db.tenants.a, gw, { everyEvents: 1, everyMs: 3_600_000 });
    await gatewayAppend();
    const refusals = cp.drainRefusals();
    expect(refusals.map((x) => x.code)).toEqual(['EVENT_WRITER_UNAUTHENTICATED']);
    const forged = (await verify()).errors.map((e) => e.details.seq);
    expect(refusals[0]!.seq).toBe(forged[0]);
    const r = await verify();
    // The checkpoint before the forgeries stands; the forged events and all after them stay in the tail.
    expect(r.checkpoint?.treeSize ?? 0).toBeLessThanOrEqual(forged[0]!);
    expect(r.tail).not.toBeNull();
    expect(r.errors.map((e) => e.code)).toEqual([
      'EVENT_WRITER_UNAUTHENTICATED',
      'EVENT_WRITER_UNAUTHENTICATED',
      'EVENT_SIGNATURE_INVALID',
    ]);
    await expect(cp.tick(db.gatewayPool)).rejects.toMatchObject({ code: 'CHECKPOINT_REFUSED' });
    expect(cp.drainRefusals().map((x) => [x.code, x.seq])).toEqual([['EVENT_WRITER_UNAUTHENTICATED', forged[0]]]);
  });

  it('a gateway-type event planted by a superuser naming an operator, or no gateway, is an error; nothing signs over it', async () => {
    const before = (await verify()).errors.length;
    const planted = [];
    for (const writer of [operatorWriter(ops.x.id), 'console/host']) {
      const w = new ChainWriter(db.admin, db.tenants.a, { source: '/arx/gateway/made-up', writer });
      planted.push((await w.append([budgetExceeded])).firstSeq);
    }
    const r = await verify();
    expect(r.errors.slice(before).map((e) => [e.code, e.details.seq])).toEqual(
      planted.map((seq) => ['EVENT_WRITER_UNAUTHENTICATED', seq]),
    );
    expect(r.errors[before]!.message).toMatch(/gateway event type, but names operator\//);
    await gatewayAppend();
    expect(cp.drainRefusals().map((x) => x.code)).toEqual(['EVENT_WRITER_UNAUTHENTICATED']);
    expect((await verify()).checkpoint?.treeSize ?? 0).toBeLessThanOrEqual(planted[0]!);
  });

  it('a certificate the trust anchors do not vouch for authenticates nothing', async () => {
    const untrusted = await createTestPki();
    const r = await verify({ ...trust, store: { anchors: [untrusted.root.cert], intermediates: [], crls: [] } });
    expect(r.errors.find((e) => e.details.seq === honest)?.code).toBe('EVENT_WRITER_UNAUTHENTICATED');
  });

  it('without trust anchors the enrolled certificates are used, and a warning says so', async () => {
    const r = await verify(null);
    expect(r.warnings.map((w) => w.code)).toContain('EVENT_WRITER_CERTS_UNVALIDATED');
    expect(r.errors.find((e) => e.details.seq === honest)).toBeUndefined();
  });
});
