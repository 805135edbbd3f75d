import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardService } from '../../../electron/main/card/card-service';
import {
  provisionTestCards,
  registerTestOperators,
  TEST_CARDS,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { verifyAttestation } from '../../../electron/main/companion/attestation-verify';
import { cardUnwrapper } from '../../../electron/main/companion/companion-enrol';
import { CompanionKeys, openSeed, type StoredWrap } from '../../../electron/main/companion/companion-keys';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import { verifyTenantChain } from '../../../electron/main/chain/tenant-chain-verifier';
import { loadTrustStore } from '../../../electron/main/pki/trust-store';
import type { CompanionStatus } from '../../../shared/contract/domains/companion';
import { consoleCaller, loginCard, startCardConsole } from '../../support/card-console';
import { operatorWithLogin } from '../../support/operator-pools';
import { migratedDatabase } from '../../support/pg';
import { auditorTrustDir, publishCardSignedDefaultPolicy, seedCheckpointedTraffic } from '../bundle/support';
import { runCli } from '../../../electron/main/cli/arx';
import type { BundleReport } from '../../../shared/bundle';
import { COMPANION_ATTESTATION_PAYLOAD_TYPE } from '../../../shared/companion';
import type { FidelityStatement } from '../../../shared/review';

/**
 * Companion keys (docs/companion-keys.md) with the real console, SoftHSM2 cards and PostgreSQL:
 * enrolled with the card (9D wrap, 9C attestation), recorded card-signed in every tenant of the
 * operator, opened again with the card after login and unlock, wiped on lock, logout and removal,
 * rotated and revoked, stored only by their own operator, and never in clear on disk or in the
 * control plane.
 */
const PIN = '123456';
const ADAMS = 'ARX TEST ADAMS EC';
const BAKER = 'ARX TEST BAKER RSA';

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let services: ConsoleServices | null = null;
let dir: string;
let dataDir: string;
let trustDir: string;
const { call, failure } = consoleCaller(() => services!);

async function settled(): Promise<CompanionStatus> {
  for (let i = 0; i < 400; i++) {
    const s = await call<CompanionStatus>('companion.status', {});
    if (s.state !== 'opening') return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the companion key did not settle');
}

const eventsOf = async (tenantId: string, type: string) =>
  (
    await db.admin.query<{ doc: { data: Record<string, unknown>; arxsig?: string } }>(
      'SELECT doc FROM arx.audit_events WHERE tenant_id = $1 AND type = $2 ORDER BY seq',
      [tenantId, type],
    )
  ).rows.map((r) => r.doc);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-companion-'));
  db = await migratedDatabase('companion');
  cards = await provisionTestCards(join(dir, 'cards'), {
    specs: TEST_CARDS.filter((c) => c.label === ADAMS || c.label === BAKER),
  });
  await registerTestOperators(db.admin, cards, [db.tenants.a, db.tenants.b]);
  const gateway = await seedCheckpointedTraffic(db, db.tenants.a, {
    keyName: 'arx-gateway.companion-test.1',
    events: 200,
    seed: 7,
    start: new Date('2026-11-02T00:00:00Z'),
  });
  // The policy version the decisions name, signed on the cards (so the decision replay holds).
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  await publishCardSignedDefaultPolicy(db, cards, db.tenants.a);
  trustDir = auditorTrustDir(cards, join(dir, 'trust'), [gateway]);
  dataDir = join(dir, 'data');
  ({ services } = await startCardConsole(db, cards, 'companion', { ARX_DATA_DIR: dataDir }));
}, 300_000);

afterAll(async () => {
  await services?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('companion keys', () => {
  for (const label of [ADAMS, BAKER]) {
    it(`${label}: enrolled with the card, recorded in every tenant, wiped on lock and logout, reopened by the card`, async () => {
      await loginCard({ call }, label);
      expect((await settled()).state).toBe('not-enrolled');
      const enrolled = await call<CompanionStatus>('companion.enrol', { pin: PIN });
      expect(enrolled).toMatchObject({ state: 'unlocked', replaces: null, problem: null });
      const keyId = enrolled.keyId!;
      expect(keyId).toMatch(/^[0-9a-f]{64}$/);

      // Stored with an attestation the card's 9C key signed, naming this operator.
      const row = (
        await db.admin.query<{ attestation: unknown; der: Buffer; operator_id: string }>(
          `SELECT k.attestation, c.der, k.operator_id FROM arx.companion_keys k
             JOIN arx.operator_certificates c ON c.sha256 = k.signing_certificate_sha256 WHERE k.key_id = $1`,
          [Buffer.from(keyId, 'hex')],
        )
      ).rows[0]!;
      const checked = verifyAttestation(row.attestation, row.der);
      expect(checked.ok && checked.value.statement.operatorId).toBe(row.operator_id);
      // A flipped bit in the card's signature, or another card's certificate, is not an attestation.
      const env = row.attestation as { signatures: { keyid: string; sig: string }[] };
      const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
      sig[sig.length - 5]! ^= 1;
      const flipped = { ...env, signatures: [{ ...env.signatures[0]!, sig: sig.toString('base64') }] };
      expect(verifyAttestation(flipped, row.der)).toMatchObject({
        ok: false,
        code: 'COMPANION_ATTESTATION_SIGNATURE_INVALID',
      });
      const others = await db.admin.query<{ der: Buffer }>(
        "SELECT der FROM arx.operator_certificates WHERE usage = 'signature' AND operator_id <> $1",
        [row.operator_id],
      );
      expect(verifyAttestation(row.attestation, others.rows[0]!.der)).toMatchObject({
        ok: false,
        code: 'COMPANION_ATTESTATION_OTHER_CARD',
      });

      // One card-signed attested event per tenant.
      for (const t of [db.tenants.a, db.tenants.b]) {
        const evs = (await eventsOf(t, 'com.arx.companionkey.attested')).filter((e) => e.data.keyId === keyId);
        expect(evs).toHaveLength(1);
        expect(evs[0]!.arxsig).toBeTruthy();
      }

      await call('card.lock', {});
      expect(await call('companion.status', {})).toMatchObject({ state: 'locked', keyId: null });
      await call('card.unlock', { pin: PIN });
      expect(await settled()).toMatchObject({ state: 'unlocked', keyId });
      await call('card.logout', {});
      expect(await call('companion.status', {})).toMatchObject({ state: 'locked', keyId: null });
      await loginCard({ call }, label);
      expect(await settled()).toMatchObject({ state: 'unlocked', keyId });
    }, 120_000);
  }

  it('rotates (the old key revoked as rotated) and revokes, each recorded; the chain verifies', async () => {
    await loginCard({ call }, ADAMS);
    const before = await settled();
    const rotated = await call<CompanionStatus>('companion.enrol', { pin: PIN });
    expect(rotated).toMatchObject({ state: 'unlocked', replaces: before.keyId });
    expect(rotated.keyId).not.toBe(before.keyId);
    const rev = await db.admin.query('SELECT reason FROM arx.companion_key_revocations WHERE key_id = $1', [
      Buffer.from(before.keyId!, 'hex'),
    ]);
    expect(rev.rows).toEqual([{ reason: 'rotated' }]);
    const rot = await eventsOf(db.tenants.b, 'com.arx.companionkey.rotated');
    expect(rot.map((e) => e.data)).toMatchObject([{ keyId: rotated.keyId, previousKeyId: before.keyId }]);

    expect(await call('companion.revoke', { reason: 'retired' })).toMatchObject({ state: 'not-enrolled', keyId: null });
    expect((await eventsOf(db.tenants.a, 'com.arx.companionkey.revoked')).map((e) => e.data)).toMatchObject([
      { keyId: rotated.keyId, reason: 'retired' },
    ]);
    expect((await failure('companion.revoke', { reason: 'retired' })).code).toBe('COMPANION_KEY_NONE');
    // Append-only: not even the owner of the database changes a stored key.
    await expect(db.admin.query('DELETE FROM arx.companion_key_revocations')).rejects.toThrow();
    await expect(db.admin.query('UPDATE arx.companion_keys SET replaces = NULL')).rejects.toThrow();

    const trust = loadTrustStore({ anchors: cards.trustAnchors, intermediates: cards.intermediates, crls: cards.crls });
    for (const t of [db.tenants.a, db.tenants.b]) {
      const v = await verifyTenantChain(db.consolePool, t, {
        pool: null,
        checkDocuments: true,
        writerTrust: { store: trust, policy: { policyArcs: [cards.policyArc] } },
      });
      expect(v.ok, JSON.stringify(v).slice(0, 600)).toBe(true);
    }
    await call<CompanionStatus>('companion.enrol', { pin: PIN });
  }, 120_000);

  it('an operator stores and reads only their own keys', async () => {
    const other = await operatorWithLogin(db, [db.tenants.a]);
    const adams = (
      await db.admin.query<{
        attestation: unknown;
        key_id: Buffer;
        ed25519_public: Buffer;
        ml_dsa87_public: Buffer;
        s: Buffer;
        k: Buffer;
        wrap: unknown;
      }>(
        `SELECT attestation, key_id, ed25519_public, ml_dsa87_public, signing_certificate_sha256 AS s,
                key_management_certificate_sha256 AS k, wrap FROM arx.companion_keys LIMIT 1`,
      )
    ).rows[0]!;
    expect((await other.pool.query('SELECT * FROM arx.companion_keys')).rows).toEqual([]);
    const c = await other.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query("SELECT set_config('arx.tenant_id', $1, true)", [db.tenants.a]);
      const err = await c
        .query(
          `SELECT arx.store_companion_key($1, $2, $3, $4, $5, $6, $7, $8, '{}', '{}', '{}', '{}', '{}', '{}', '{}')`,
          [
            db.tenants.a,
            adams.key_id,
            adams.ed25519_public,
            adams.ml_dsa87_public,
            adams.s,
            adams.k,
            JSON.stringify(adams.attestation),
            JSON.stringify(adams.wrap),
          ],
        )
        .catch((e: { code?: string }) => e);
      expect((err as { code?: string }).code).toBe('AX423');
      await c.query('ROLLBACK');
      await expect(c.query('INSERT INTO arx.companion_keys SELECT * FROM arx.companion_keys')).rejects.toThrow();
    } finally {
      c.release();
      await other.pool.end();
    }
  });

  it('a bundle exported with the companion key open carries an ML-DSA-87 signature that --require-pq accepts', async () => {
    await loginCard({ call }, ADAMS);
    const held = await settled();
    expect(held.state).toBe('unlocked');
    const out = await call<{ path: string }>('bundle.export', {
      tenant: db.tenants.a,
      from: 10,
      to: 120,
      review: null,
      pin: PIN,
      out: null,
      encryptTo: [],
      recipientFiles: [],
      recoveryKey: null,
    });
    let text = '';
    const code = await runCli(['bundle', 'verify', out.path, '--trust', trustDir, '--require-pq', '--json'], {
      out: (t) => (text += t),
      err: () => {},
      env: {},
      readStdin: async () => '',
    });
    const report = JSON.parse(text) as BundleReport;
    expect(report.pq).toEqual({ state: 'valid', code: null, message: null, keyId: held.keyId });
    expect(report.checks.filter((c) => !c.ok).map((c) => c.id)).toEqual([]);
    expect(code).toBe(0);
  }, 120_000);

  it('a fidelity certificate signed with the key open carries its ML-DSA-87 signature, verified apart', async () => {
    await loginCard({ call }, ADAMS);
    const held = await settled();
    expect(held.state).toBe('unlocked');
    const tenantId = db.tenants.a;
    const draft = await call<{ draftId: string; statement: FidelityStatement }>('review.prepare', {
      tenantId,
      fromSeq: 10,
      toSeq: 120,
      reverifyJobId: null,
    });
    expect(draft.statement.predicate.reviewer.companionAttestation?.payloadType).toBe(
      COMPANION_ATTESTATION_PAYLOAD_TYPE,
    );
    const signed = await call<{ id: string }>('review.sign', { draftId: draft.draftId, pin: PIN });
    const got = await call<{ envelope: string }>('review.get', { tenantId, id: signed.id });
    const env = JSON.parse(got.envelope) as { signatures: { keyid: string; sig: string }[] };
    expect(env.signatures.map((x) => x.keyid)).toEqual([
      draft.statement.predicate.reviewer.certificateSha256,
      `mldsa87:${held.keyId}`,
    ]);
    type V = { valid: boolean; code: string | null; pq?: { state: string; keyId: string | null } };
    const v = await call<V>('review.verify', { source: { kind: 'stored', tenantId, id: signed.id }, requirePq: true });
    expect(v.pq).toMatchObject({ state: 'valid', keyId: held.keyId });
    // Imported with the ML-DSA-87 signature stripped: the card's still verifies, requirePq fails it.
    env.signatures.pop();
    const stripped = { kind: 'imported', envelope: JSON.stringify(env) };
    expect(await call<V>('review.verify', { source: stripped })).toMatchObject({ pq: { state: 'absent' } });
    expect(await call<V>('review.verify', { source: stripped, requirePq: true })).toMatchObject({
      valid: false,
      code: 'REVIEW_PQ_SIGNATURE_MISSING',
    });
    // The bundle exported for the review: manifest and certificate both post-quantum signed.
    const out = await call<{ path: string }>('bundle.export', {
      tenant: tenantId,
      from: null,
      to: null,
      review: signed.id,
      pin: PIN,
      out: null,
      encryptTo: [],
      recipientFiles: [],
      recoveryKey: null,
    });
    let text = '';
    const code = await runCli(['bundle', 'verify', out.path, '--trust', trustDir, '--require-pq', '--json'], {
      out: (t) => (text += t),
      err: () => {},
      env: {},
      readStdin: async () => '',
    });
    const report = JSON.parse(text) as BundleReport;
    expect(report.pqReviews).toEqual([expect.objectContaining({ id: signed.id, state: 'valid', keyId: held.keyId })]);
    expect(code).toBe(0);
  }, 180_000);

  it('card removal wipes the key from memory', async () => {
    await loginCard({ call }, ADAMS);
    expect((await settled()).state).toBe('unlocked');
    execFileSync('softhsm2-util', ['--delete-token', '--token', ADAMS], {
      env: { ...process.env, SOFTHSM2_CONF: cards.softhsm2Conf },
    });
    const t0 = Date.now();
    while (services!.status().card.state !== 'locked' && Date.now() - t0 < 5000)
      await new Promise((r) => setTimeout(r, 50));
    expect(await call('companion.status', {})).toMatchObject({ state: 'locked', keyId: null, ed25519: null });
    await call('card.logout', {});
  }, 60_000);

  it('the private halves are nowhere in clear: not in the data directory, not in the control plane', async () => {
    await services!.stop();
    services = null;
    // Open BAKER's stored wrap with BAKER's card, as the console does, to know what to look for.
    const svc = await CardService.open({ modulePath: cards.module });
    let seed: Buffer;
    let keyId: string;
    try {
      const slot = (await svc.listSlots()).find((s) => s.token?.label === BAKER)!.slot;
      const card = await svc.login(slot, new TextEncoder().encode(PIN));
      const r = (
        await db.admin.query<{ key_id: Buffer; wrap: StoredWrap; operator_id: string }>(
          `SELECT k.key_id, k.wrap, k.operator_id FROM arx.companion_keys k JOIN arx.operators o ON o.id = k.operator_id
            WHERE o.edipi = '1000000002'`,
        )
      ).rows[0]!;
      keyId = r.key_id.toString('hex');
      seed = await openSeed(r.wrap, cardUnwrapper(card), { operatorId: r.operator_id, keyId });
      await card.logout();
    } finally {
      await svc.close();
    }
    const sk = ml_dsa87.keygen(seed.subarray(32)).secretKey;
    // Ed25519 secret, the ML-DSA seed ξ, and K and a slice of s1 of the expanded ML-DSA secret key.
    const secrets = [seed.subarray(0, 32), seed.subarray(32, 64), sk.subarray(32, 64), sk.subarray(128, 192)];
    const needles = secrets.flatMap((b) => [
      Buffer.from(b),
      Buffer.from(Buffer.from(b).toString('hex')),
      Buffer.from(Buffer.from(b).toString('base64').slice(0, 40)),
    ]);

    const files = walk(dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const content = readFileSync(f);
      for (const n of needles) expect(content.includes(n), `${f} holds a companion secret`).toBe(false);
    }
    const dump = await db.admin.query<{ t: string }>(
      `SELECT k::text AS t FROM arx.companion_keys k
       UNION ALL SELECT encode(bytes, 'hex') || encode(bytes, 'escape') FROM arx.audit_events`,
    );
    const text = Buffer.from(dump.rows.map((r) => r.t).join('\n'));
    for (const n of needles) expect(text.includes(n)).toBe(false);
    // The needles are the real thing: the seed gives the stored key.
    const keys = new CompanionKeys(seed);
    expect(keys.keyId).toBe(keyId);
    keys.wipe();
    seed.fill(0);
  }, 120_000);
});

function walk(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
