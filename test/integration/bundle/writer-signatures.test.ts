import { createHash, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleReport } from '../../../shared/bundle';
import { ed25519Signer, formatArxCheckpoint, signNote, type NoteSigner } from '../../../shared/checkpoint';
import { MerkleTree } from '../../../shared/merkle';
import type { OperatorSession } from '../../../shared/contract';
import { eventTime, operatorWriter } from '../../../shared/events';
import { exportBundle } from '../../../electron/main/bundle/export';
import { verifyBundle, type BundleTrust } from '../../../electron/main/bundle/verify';
import { verifyTenantChain } from '../../../electron/main/chain/tenant-chain-verifier';
import { ChainWriter, type EventSigner } from '../../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { registerGatewayKey } from '../../../electron/main/controlplane/gateway-keys';
import { insertCheckpoint } from '../../../electron/main/controlplane/repos/checkpoints';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';
import { createTestPki, issueCardCertificate, issueCrl, type TestPki } from '../../../electron/main/pki/test-pki';
import { migratedDatabase, type MigratedDatabase } from '../../support/pg';

/**
 * Offline auditors authenticate console writers as `arx chain verify` does (docs/bundle-format.md
 * §5 check 10, docs/chain-format.md §8): a bundle carries the certificates its console events name,
 * and a forged, mis-signed or re-attributed event fails the bundle. A card's validity is judged at
 * the time of each event it signed: an expired card does not undo older evidence.
 */
const DAY = 86_400_000;
let db: MigratedDatabase;
let pki: TestPki;
let work: string;
let trust: BundleTrust;
let cp: Checkpointer;
let gw: NoteSigner;
type Op = { id: string; edipi: string; key: KeyObject; sha256: string };
const ops: Record<'x' | 'y' | 'z', Op> = {} as never;
const seqs: Record<string, number> = {};
let exporter: { session: OperatorSession; sign: Parameters<typeof exportBundle>[1]['sign'] };

async function enrol(name: 'x' | 'y' | 'z', edipi: string, kind: 'good' | 'expired'): Promise<void> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const cert = await issueCardCertificate(pki, {
    person: { last: 'WRITER', first: name.toUpperCase(), middle: 'M', edipi },
    usage: 'piv-auth',
    case: kind,
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
  ops[name] = { id, edipi, key: privateKey, sha256 };
}

/** The card's login key: ECDSA over SHA-256 of the preimage, DER; `tamper` flips a bit of it. */
const signer = (who: Op, tamper = false): EventSigner => ({
  certificateSha256: who.sha256,
  sign: async (preimage) => {
    const sig = cryptoSign('sha256', preimage, { key: who.key, dsaEncoding: 'der' });
    if (tamper) sig[sig.length - 5]! ^= 0x01;
    return new Uint8Array(sig);
  },
});

/** A console event naming `named` as its writer, appended by a superuser (who passes every database check). */
async function consoleEvent(label: string, named: Op, opts: { signer?: EventSigner; time?: Date } = {}) {
  const w = new ChainWriter(db.admin, db.tenants.a, {
    source: '/arx/console/test',
    writer: operatorWriter(named.id),
    ...(opts.signer ? { signer: opts.signer } : {}),
  });
  const ev = {
    type: 'com.arx.policy.published' as const,
    data: { policyId: 'p1', versionSha256: 'a'.repeat(64), previousSha256: null, publishedBy: named.id },
    ...(opts.time ? { time: eventTime(opts.time, 0) } : {}),
  };
  seqs[label] = (await w.append([ev])).firstSeq;
}

/** Gateway events up to the next multiple of ten, where the checkpointer signs. */
async function gatewayToCheckpoint(): Promise<number> {
  const r = await db.admin.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM arx.audit_events WHERE tenant_id = $1',
    [db.tenants.a],
  );
  const n = 10 - (r.rows[0]!.n % 10);
  const w = new ChainWriter(db.gatewayPool, db.tenants.a, { source: '/arx/gateway/test', afterAppend: cp.afterAppend });
  const budget = {
    type: 'com.arx.budget.exceeded' as const,
    data: { team: 'ops', period: '2026-12', budgetCents: 1, spentCents: 2 },
  };
  const out = await w.append(Array.from({ length: n }, () => budget));
  return out.firstSeq + n - 1;
}

/** A checkpoint over the first `size` rows as a gateway that did not judge writers signed it. */
async function checkpointAsOlderGateway(last: number, size: number): Promise<void> {
  const rows = await db.admin.query<{ chain_hash: Buffer }>(
    'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq < $2 ORDER BY seq',
    [db.tenants.a, size],
  );
  const tree = new MerkleTree();
  for (const r of rows.rows) tree.append(new Uint8Array(r.chain_hash));
  const head = new Uint8Array(rows.rows[size - 1]!.chain_hash);
  const root = tree.root(size);
  const time = eventTime(new Date(), 0);
  const note = signNote(formatArxCheckpoint({ tenantId: db.tenants.a, size, root, time, head }), [gw]);
  await insertCheckpoint(db.admin, db.tenants.a, {
    size,
    root,
    note,
    keyName: gw.name,
    issuedAt: time,
    consistencyProof: tree.consistencyProof(last, size),
  });
}

/** The exporter X: its Digital Signature certificate (same EDIPI), signing digests as the card does. */
async function exporterOf(x: Op): Promise<typeof exporter> {
  const sk = p256.utils.randomSecretKey();
  const pk = p256.getPublicKey(sk, false);
  const jwk = { kty: 'EC', crv: 'P-256', x: b64url(pk.slice(1, 33)), y: b64url(pk.slice(33)) };
  const spki = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  const cert = await issueCardCertificate(pki, {
    person: { last: 'WRITER', first: 'X', middle: 'M', edipi: x.edipi },
    usage: 'signature',
    case: 'good',
    publicKey: new Uint8Array(spki),
    keyType: 'ec',
  });
  const der = new Uint8Array(cert.rawData);
  const session: OperatorSession = {
    operatorId: x.id,
    edipi: x.edipi,
    displayName: 'x',
    tokenLabel: 'X',
    certificateSha256: x.sha256,
    roles: [],
    startedAt: new Date().toISOString(),
    locked: false,
    lockReason: null,
  };
  return {
    session,
    sign: async (purpose, digest) => {
      const signature = p256.sign(digest, sk, { prehash: false, format: 'der' });
      const certificateSha256 = createHash('sha256').update(der).digest('hex');
      return {
        operator: session,
        purpose,
        algorithm: 'ECDSA',
        signature,
        raw: signature,
        certificateDer: der,
        certificateSha256,
      } as never;
    },
  };
}
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-bundle-writers-'));
  db = await migratedDatabase('bundlewriters');
  // The CAs exist since ten days ago, so that an event three days old lies inside their validity.
  pki = await createTestPki(new Date(Date.now() - 10 * DAY));
  await enrol('x', '1000000201', 'good');
  await enrol('y', '1000000202', 'good');
  await enrol('z', '1000000203', 'expired'); // valid until yesterday
  trust = {
    store: {
      anchors: [pki.root.cert],
      intermediates: [pki.intermediate.cert],
      crls: [await issueCrl(pki.root, []), await issueCrl(pki.intermediate, [])],
    },
    policy: { policyArcs: [pki.policyArc] },
    allowUnpinnedGatewayKeys: true,
  };
  gw = ed25519Signer(`arx-gateway.${db.tenants.a}.1`, randomBytes(32));
  await registerGatewayKey(db.admin, db.tenants.a, {
    name: gw.name,
    secretKey: new Uint8Array(32),
    publicKey: (gw as ReturnType<typeof ed25519Signer>).publicKey,
    validFrom: new Date(Date.now() - 20 * DAY),
  });
  cp = new Checkpointer(db.tenants.a, gw, { everyEvents: 10, everyMs: 3_600_000 });
  exporter = await exporterOf(ops.x);

  await gatewayToCheckpoint();
  await consoleEvent('honest', ops.x, { signer: signer(ops.x) });
  await consoleEvent('expiredCardBefore', ops.z, { signer: signer(ops.z), time: new Date(Date.now() - 3 * DAY) });
  seqs['cleanEnd'] = await gatewayToCheckpoint();
  await consoleEvent('unsigned', ops.x);
  await consoleEvent('otherCard', ops.x, { signer: signer(ops.y) });
  await consoleEvent('flipped', ops.x, { signer: signer(ops.x, true) });
  await consoleEvent('expiredCardAfter', ops.z, { signer: signer(ops.z) });
  seqs['end'] = await gatewayToCheckpoint();
  // Today's checkpointer signs nothing over them (docs/chain-format.md §8.2) …
  expect(cp.drainRefusals().map((r) => [r.code, r.seq])).toEqual([['EVENT_WRITER_UNAUTHENTICATED', seqs['unsigned']]]);
  // … so the checkpoint that covers them is one an older gateway, which judged no writers, signed.
  await checkpointAsOlderGateway(seqs['cleanEnd']! + 1, seqs['end']! + 1);
});
afterAll(async () => {
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function exportAndVerify(name: string, from: number, to: number, auditor = trust): Promise<BundleReport> {
  const outPath = join(work, `${name}.arxbundle`);
  const blake3 = await loadBlake3();
  await exportBundle(db.admin, {
    tenantId: db.tenants.a,
    from,
    to,
    outPath,
    classification: 'UNCLASSIFIED',
    session: exporter.session,
    sign: exporter.sign,
    trustStore: null,
    blake3,
  });
  return verifyBundle(outPath, { trust: auditor, blake3, replayDecisions: false });
}
const writerFindings = (r: BundleReport) =>
  r.checks.find((c) => c.id === 'writers')!.findings.map((f) => [f.code, f.location.seq, f.location.reason ?? null]);

describe('bundle verification authenticates console writers', () => {
  it('signed console events, an expired card among them, verify offline', async () => {
    const r = await exportAndVerify('clean', seqs['honest']!, seqs['cleanEnd']!);
    expect(r.fatal).toBeNull();
    expect(r.checks.filter((c) => !c.ok).map((c) => [c.id, c.findings])).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.find((c) => c.id === 'writers')!.checked).toBeGreaterThan(0);
  });

  it('a forged, a re-attributed, a tampered and a post-expiry event fail the bundle, each at its seq', async () => {
    const r = await exportAndVerify('forged', seqs['honest']!, seqs['end']!);
    expect(r.ok).toBe(false);
    expect(writerFindings(r)).toEqual([
      ['EVENT_WRITER_UNAUTHENTICATED', seqs['unsigned'], null],
      ['EVENT_WRITER_UNAUTHENTICATED', seqs['otherCard'], null],
      ['EVENT_SIGNATURE_INVALID', seqs['flipped'], null],
      ['EVENT_WRITER_UNAUTHENTICATED', seqs['expiredCardAfter'], null],
    ]);
    expect(r.checks.filter((c) => !c.ok).map((c) => c.id)).toEqual(['writers']);
  });

  it("anchors that do not vouch for the writers' cards authenticate none of them", async () => {
    const other = await createTestPki();
    const strangers = await exportAndVerify('strangers', seqs['honest']!, seqs['cleanEnd']!, {
      ...trust,
      store: { anchors: [other.root.cert], intermediates: [], crls: [await issueCrl(other.root, [])] },
    });
    expect(writerFindings(strangers)).toEqual([
      ['EVENT_WRITER_UNAUTHENTICATED', seqs['honest'], 'CERT_UNTRUSTED'],
      ['EVENT_WRITER_UNAUTHENTICATED', seqs['expiredCardBefore'], 'CERT_UNTRUSTED'],
    ]);
  });
});

describe('arx chain verify judges certificates at the time of the events', () => {
  it('the same events give the same verdicts as the bundle', async () => {
    const r = await verifyTenantChain(db.admin, db.tenants.a, {
      pool: null,
      checkDocuments: false,
      writerTrust: { store: trust.store, policy: trust.policy },
    });
    expect(r.errors.map((e) => [e.code, e.details.seq])).toEqual([
      ['EVENT_WRITER_UNAUTHENTICATED', seqs['unsigned']],
      ['EVENT_WRITER_UNAUTHENTICATED', seqs['otherCard']],
      ['EVENT_SIGNATURE_INVALID', seqs['flipped']],
      ['EVENT_WRITER_UNAUTHENTICATED', seqs['expiredCardAfter']],
    ]);
  });
});
