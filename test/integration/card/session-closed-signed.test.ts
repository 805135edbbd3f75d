import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorWriter } from '../../../shared/events';
import { CardService } from '../../../electron/main/card/card-service';
import { OperatorAuth } from '../../../electron/main/card/operator-auth';
import { findOperator } from '../../../electron/main/card/operator-directory';
import { connectOperator } from '../../../electron/main/card/operator-database';
import { sessionAuditWriter } from '../../../electron/main/card/session-audit';
import {
  provisionTestCards,
  registerTestOperators,
  TEST_CARDS,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { verifyTenantChain } from '../../../electron/main/chain/tenant-chain-verifier';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { loadTrustStore } from '../../../electron/main/pki/trust-store';
import { migratedDatabase } from '../../support/pg';
import { operatorPools } from '../../support/operator-pools';

/**
 * `session.closed` is a console event like the others (docs/events.md, "Writers"): a logout, a
 * lock and an idle lock are signed with the card's login key while its session is still open, so
 * verification reports nothing about them. Only a close because the card left the reader is
 * unsigned (a warning); an unsigned close for any other reason is an error, whoever wrote it.
 */
const PIN = '123456';
const ADAMS = 'ARX TEST ADAMS EC';
const BAKER = 'ARX TEST BAKER RSA';

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let service: CardService;
let dir: string;
let auth: OperatorAuth;
let trust: ReturnType<typeof loadTrustStore>;

interface Row {
  seq: string;
  doc: { data: { reason?: string; operatorId?: string }; arxsig?: string; arxwriter?: string };
}

const closes = async () =>
  (
    await db.admin.query<Row>(
      `SELECT seq, doc FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.session.closed' ORDER BY seq`,
      [db.tenants.a],
    )
  ).rows;

const verify = () =>
  verifyTenantChain(db.consolePool, db.tenants.a, {
    pool: null,
    checkDocuments: false,
    writerTrust: { store: trust, policy: { policyArcs: [cards.policyArc] } },
  });

async function login(label: string) {
  const slot = (await service.listSlots()).find((s) => s.token?.label === label)!.slot;
  return auth.login({ slot, certificateId: null, pin: PIN, confirmFinalTry: false });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-closed-'));
  db = await migratedDatabase('sesclose');
  cards = await provisionTestCards(join(dir, 'cards'), {
    specs: TEST_CARDS.filter((c) => c.label === ADAMS || c.label === BAKER),
  });
  await registerTestOperators(db.admin, cards, [db.tenants.a]);
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  service = await CardService.open({ modulePath: cards.module, pollIntervalMs: 200 });
  trust = loadTrustStore({ anchors: cards.trustAnchors, intermediates: cards.intermediates, crls: cards.crls });
  const pools = await operatorPools(db);
  auth = new OperatorAuth({
    backend: async () => service,
    trustStore: () => trust,
    policy: { policyArcs: [cards.policyArc], staleCrl: 'fail' },
    connect: async (edipi, card) => void (await connectOperator(pools, edipi, card)),
    disconnect: () => pools.closeOperatorPool('none'),
    findOperator: (edipi, sha) => findOperator(pools.pool(), edipi, sha),
    audit: sessionAuditWriter(
      () => pools.pool(),
      () => undefined,
      async () => [],
      () => {},
      () => auth.eventWriter(),
    ),
    idleLockMs: 15 * 60_000,
  });
}, 240_000);

afterAll(async () => {
  await auth?.close();
  await service?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('session.closed carries the card signature unless the card left', () => {
  it('logout, lock and idle lock (EC and RSA cards) are signed; verification reports none of them', async () => {
    await login(ADAMS);
    await auth.lock('user');
    await auth.unlock(PIN);
    await auth.lock('idle');
    await auth.unlock(PIN);
    await auth.logout();
    await login(BAKER);
    await auth.lock('user');
    // A locked session's logout records nothing more: its close was recorded at the lock.
    await auth.logout();
    const rows = await closes();
    expect(rows.map((r) => [r.doc.data.reason, typeof r.doc.arxsig])).toEqual([
      ['lock', 'string'],
      ['idle', 'string'],
      ['logout', 'string'],
      ['lock', 'string'],
    ]);
    const r = await verify();
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.code)).not.toContain('EVENT_WRITER_UNSIGNED');
    expect(r.verdict).toBe('intact');
  }, 120_000);

  it('a lock because the card was removed is unsigned: a warning, not an error', async () => {
    await login(ADAMS);
    await auth.lock('card-removed');
    await auth.logout();
    const removed = (await closes()).at(-1)!;
    expect(removed.doc).toMatchObject({ data: { reason: 'card-removed' } });
    expect(removed.doc.arxsig).toBeUndefined();
    const r = await verify();
    expect(r.errors).toEqual([]);
    expect(r.warnings.filter((w) => w.code === 'EVENT_WRITER_UNSIGNED').map((w) => w.details.seq)).toEqual([
      Number(removed.seq),
    ]);
  }, 120_000);

  it('an unsigned close planted by a superuser is an error unless it claims a removed card', async () => {
    const operatorId = (await closes())[0]!.doc.data.operatorId!;
    const plant = async (reason: string) => {
      const w = new ChainWriter(db.admin, db.tenants.a, {
        source: '/arx/console/planted',
        writer: operatorWriter(operatorId),
      });
      const data = { operatorId, edipi: '1000000001', reason };
      return (await w.append([{ type: 'com.arx.session.closed', data } as never])).firstSeq;
    };
    const before = (await verify()).warnings.filter((w) => w.code === 'EVENT_WRITER_UNSIGNED').length;
    const logout = await plant('logout');
    const lock = await plant('lock');
    const removed = await plant('card-removed');
    const r = await verify();
    expect(r.errors.map((e) => [e.code, e.details.seq])).toEqual([
      ['EVENT_WRITER_UNAUTHENTICATED', logout],
      ['EVENT_WRITER_UNAUTHENTICATED', lock],
    ]);
    const unsigned = r.warnings.filter((w) => w.code === 'EVENT_WRITER_UNSIGNED');
    expect(unsigned.length).toBe(before + 1);
    expect(unsigned.at(-1)!.details.seq).toBe(removed);
  }, 120_000);
});
