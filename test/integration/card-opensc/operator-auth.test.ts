// The console's own services over OpenSC, pcscd and the virtual PIV cards: card.readers (reader
// names, the CHUID identity), OperatorAuth login with proof of possession and path validation
// (EC and RSA), the PIN retry states as the login screen sees them, the 9C signature with its own
// PIN, the cache key on 9D, removal and re-insertion. Raw card-service checks: card-service.test.ts.
import { execFile } from 'node:child_process';
import { X509Certificate, createHash, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardKey } from '../../../electron/main/cache/cache-service';
import { DataKey } from '../../../electron/main/cache/envelope';
import { unwrapKey, wrapKey } from '../../../electron/main/cache/key-wrap';
import { createCardHandlers } from '../../../electron/main/card/card-handlers';
import { CardService } from '../../../electron/main/card/card-service';
import { OperatorAuth, type SessionAuditEvent } from '../../../electron/main/card/operator-auth';
import type { ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { prepareOperatorLogin, unwrapOperatorPassword } from '../../../electron/main/crypto/operator-login-wrap';
import { loadTrustStore } from '../../../electron/main/pki/trust-store';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import { OPENSC_MODULE, demoCard, startOpenscFixture, type OpenscFixture } from '../../support/virtual-piv/fixture';
import { PivCard } from '../../support/virtual-piv/piv-card';
import { writeProvisioned } from '../../support/virtual-piv/provisioned';

// Never execFileSync: the virtual cards answer on this thread's event loop.
const run = promisify(execFile);

const LABELS = ['ARX TEST ADAMS EC', 'ARX TEST BAKER RSA'];
const [READER_A, READER_B] = ['ARX Virtual PIV 00 00', 'ARX Virtual PIV 00 01'];
let fx: OpenscFixture;
let service: CardService;
let provisioned: ProvisionedTestCards;
let dir: string;
/** The cards whose operators the directory knows (the fixture's, and any fresh card a test inserts). */
const enrolled: ProvisionedTestCards['cards'] = [];
const audit: SessionAuditEvent[] = [];

beforeAll(async () => {
  fx = await startOpenscFixture(LABELS.map((label) => ({ label })));
  dir = mkdtempSync(join(tmpdir(), 'arx-opensc-auth-'));
  provisioned = await writeProvisioned(dir, fx, LABELS);
  enrolled.push(...provisioned.cards);
  service = await CardService.open({ modulePath: OPENSC_MODULE, pollIntervalMs: 250 });
}, 240_000);

afterAll(async () => {
  await service?.close();
  await fx?.stack.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An OperatorAuth as the composition root builds it, over the shared card service; the operators of the provisioned cards are enrolled. */
function operatorAuth(): OperatorAuth {
  const trust = loadTrustStore({
    anchors: provisioned.trustAnchors,
    intermediates: provisioned.intermediates,
    crls: provisioned.crls,
  });
  return new OperatorAuth({
    backend: async () => service,
    trustStore: () => trust,
    policy: { policyArcs: [provisioned.policyArc] },
    findOperator: async (edipi, sha256) => {
      const card = enrolled.find((c) => c.edipi === edipi && c.certificates.some((x) => x.sha256 === sha256));
      if (!card) return null;
      return {
        operatorId: `op-${edipi}`,
        displayName: card.displayName,
        status: 'active',
        roles: card.roles.map((role) => ({ tenantId: 't1', tenant: 'alpha', role })),
      };
    },
    audit: async (event) => void audit.push(event),
    idleLockMs: 600_000,
  });
}

const guidOf = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

describe('card.readers over OpenSC', () => {
  it("names each reader and shows the card's CHUID identity, read once per card", async () => {
    const auth = operatorAuth();
    const readers = createCardHandlers(() => auth)['card.readers'];
    const apdus = () => fx.stack.links.reduce((n, l) => n + l.card.apduCount, 0);
    const first = await readers({}, {} as never);
    expect(first.code).toBeNull();
    for (const [i, reader] of [READER_A, READER_B].entries()) {
      const card = fx.cards[i]!;
      expect(first.readers.find((r) => r.description === reader)).toMatchObject({
        tokenPresent: true,
        tokenLabel: card.displayName,
        serial: card.guid.slice(-16),
        identity: {
          fascn: { agency: '9999', system: '0001', credential: card.person.edipi.slice(-6), pi: card.person.edipi },
          guid: guidOf(card.guid),
        },
      });
    }
    // The login screen asks again and again: after the first time, a listing costs the card no more
    // than listing the slots does (OpenSC's lock check and PIN status), the CHUID is not read again.
    let before = apdus();
    await service.listSlots();
    const slotsOnly = apdus() - before;
    before = apdus();
    const again = await readers({}, {} as never);
    expect(apdus() - before).toBe(slotsOnly);
    expect(again.readers.map((r) => r.identity)).toEqual(first.readers.map((r) => r.identity));
  });
});

async function failure(p: Promise<unknown>): Promise<ArxFailure> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ArxFailure);
  return err as ArxFailure;
}

/** The slot of `reader` once a card is in it (within 5 s of an insertion). */
async function slotOf(auth: OperatorAuth, reader: string): Promise<string> {
  for (const deadline = Date.now() + 5000; ;) {
    const r = (await auth.readers()).find((x) => x.description === reader && x.tokenPresent);
    if (r) return r.slot;
    if (Date.now() > deadline) throw new Error(`no card in ${reader}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const login = async (auth: OperatorAuth, reader: string, pin = '123456', confirmFinalTry = false) =>
  auth.login({ slot: await slotOf(auth, reader), certificateId: null, pin, confirmFinalTry });

describe('OperatorAuth over OpenSC', () => {
  it('logs the EC and the RSA operator in: PIN, proof of possession, path validation, EDIPI', async () => {
    for (const [reader, i] of [
      [READER_A, 0],
      [READER_B, 1],
    ] as const) {
      const auth = operatorAuth();
      const session = await login(auth, reader);
      const card = provisioned.cards[i]!;
      expect(session).toMatchObject({ edipi: card.edipi, displayName: card.displayName, locked: false });
      expect(session.tokenLabel).toBe(card.displayName);
      expect(session.certificateSha256).toBe(card.certificates.find((c) => c.usage === 'piv-auth')!.sha256);
      expect(auth.activeCard()!.certificate.keyReference).toBe('9A');
      expect(audit.at(-1)).toMatchObject({ type: 'com.arx.session.opened', data: { edipi: card.edipi } });
      await auth.logout();
    }
  });

  it('signs on 9C with the PIN given for that signature; a wrong one signs nothing', async () => {
    const auth = operatorAuth();
    await login(auth, READER_A);
    try {
      const digest = createHash('sha256').update('policy v3').digest();
      const trace: number[] = [];
      const onApdu = (ins: number) => trace.push(ins);
      const link = fx.stack.links[0]!;
      link.on('apdu', onApdu);
      expect(await failure(auth.sign('policy v3', digest, '999999'))).toMatchObject({ code: 'PIN_INCORRECT' });
      // The card counted the wrong PIN and refused 9C (OpenSC still sends the GENERAL AUTHENTICATE
      // that ends the pending operation; the card answers it 6982).
      expect(link.card.pinTriesLeft).toBe(2);
      const sig = await auth.sign('policy v3', digest, '123456');
      link.off('apdu', onApdu);
      // VERIFY, then GENERAL AUTHENTICATE on 9C: the context-specific login of that signature. The
      // wrong PIN before cleared the card's PIN status, and OpenSC forgot the user login with it:
      // the session logs the user in again with this signature's PIN first.
      const ga = trace.lastIndexOf(0x87);
      expect(trace.slice(ga - 1, ga + 1)).toEqual([0x20, 0x87]);
      const signing = provisioned.cards[0]!.certificates.find((c) => c.usage === 'signature')!;
      expect(sig.certificateSha256).toBe(signing.sha256);
      expect(
        verify('sha256', Buffer.from('policy v3'), new X509Certificate(sig.certificateDer).publicKey, sig.signature),
      ).toBe(true);
      expect(fx.stack.links[0]!.card.pinTriesLeft).toBe(3);
    } finally {
      await auth.logout();
    }
  });

  it('unwraps the cache key on the 9D key: ECDH on the EC card, RSA-OAEP on the RSA card', async () => {
    for (const reader of [READER_A, READER_B]) {
      const auth = operatorAuth();
      await login(auth, reader);
      try {
        const { recipient, unwrapper } = cardKey(auth.activeCard()!);
        const key = DataKey.random(1);
        const record = wrapKey('cache-1', key, recipient);
        const opened = await unwrapKey('cache-1', record, unwrapper);
        expect(Buffer.from(opened.bytes())).toEqual(Buffer.from(key.bytes()));
        // The operator's database login is wrapped to the same key (operator-database.ts).
        const km = auth.activeCard()!.keyManagementCertificate!()!;
        const prepared = prepareOperatorLogin('arx_op_test', km.der);
        const password = await unwrapOperatorPassword(prepared.wrap, 'arx_op_test', km.der, unwrapper);
        expect(password.length).toBeGreaterThan(40);
      } finally {
        await auth.logout();
      }
    }
  });

  it('policy sign and approve: two operators, two cards in two readers, each signature checked by openssl', async () => {
    const author = operatorAuth();
    const approver = operatorAuth();
    await login(author, READER_A);
    await login(approver, READER_B);
    const work = mkdtempSync(join(tmpdir(), 'arx-opensc-approve-'));
    try {
      const version = Buffer.from(JSON.stringify({ policy: 'routing', version: 4 }));
      const digest = createHash('sha256').update(version).digest();
      const [a, b] = await Promise.all([
        author.sign('Submit policy version 4', digest, '123456'),
        approver.sign('Approve policy version 4', digest, '123456'),
      ]);
      expect(a.operator.edipi).toBe('1000000001');
      expect(b.operator.edipi).toBe('1000000002');
      writeFileSync(join(work, 'version.json'), version);
      for (const [name, s, extra] of [
        ['author', a, []],
        ['approver', b, ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32']],
      ] as const) {
        writeFileSync(join(work, `${name}.pem`), new X509Certificate(s.certificateDer).toString());
        writeFileSync(join(work, `${name}.sig`), s.signature);
        await run('openssl', [
          'x509',
          '-in',
          join(work, `${name}.pem`),
          '-noout',
          '-pubkey',
          '-out',
          join(work, `${name}.pub`),
        ]);
        const { stdout } = await run('openssl', [
          'dgst',
          '-sha256',
          '-verify',
          join(work, `${name}.pub`),
          ...extra,
          '-signature',
          join(work, `${name}.sig`),
          join(work, 'version.json'),
        ]);
        expect(stdout.trim()).toBe('Verified OK');
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
      await author.logout();
      await approver.logout();
    }
  });
});

/** Resolves with the milliseconds until `auth` reports its session locked for `reason`. */
function lockedWithin(auth: OperatorAuth, reason: string): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const onChange = (s: OperatorSession | null) => {
      if (s?.locked && s.lockReason === reason) {
        auth.off('changed', onChange);
        resolve(Date.now() - t0);
      }
    };
    auth.on('changed', onChange);
  });
}

describe('removal and re-insertion through OperatorAuth', () => {
  it('a card pulled from its reader locks the console within 2 s; plugged back (vpcd reconnects), its PIN unlocks', async () => {
    const auth = operatorAuth();
    const link = fx.stack.links[0]!;
    await login(auth, READER_A);
    const locked = lockedWithin(auth, 'card-removed');
    await link.remove();
    expect(await locked).toBeLessThan(2000);
    expect(auth.activeCard()).toBeNull();
    await link.insert();
    await expect
      .poll(() => audit.some((e) => e.type === 'com.arx.session.closed' && e.data.reason === 'card-removed'))
      .toBe(true);
    await slotOf(auth, READER_A);
    const resumed = await auth.unlock('123456');
    expect(resumed).toMatchObject({ edipi: '1000000001', locked: false });
    await auth.logout();
  });

  it('a card pulled in the middle of a signature: CARD_REMOVED, nothing signed, the console locks, the worker lives on', async () => {
    const auth = operatorAuth();
    const link = fx.stack.links[0]!;
    await login(auth, READER_A);
    const locked = lockedWithin(auth, 'card-removed');
    link.removeOnCommand((apdu) => apdu[1] === 0x87 && apdu[3] === 0x9c);
    const digest = createHash('sha256').update('approve v5').digest();
    const t0 = Date.now();
    const err = await failure(auth.sign('approve v5', digest, '123456'));
    expect(err.code).toBe('CARD_REMOVED');
    expect(err.message).toContain('nothing was signed');
    expect(Date.now() - t0).toBeLessThan(5000);
    await locked;
    await link.insert();
    await slotOf(auth, READER_A);
    await auth.unlock('123456');
    const sig = await auth.sign('approve v5', digest, '123456');
    expect(sig.operator.edipi).toBe('1000000001');
    await auth.logout();
  });
});

describe('the PIN retry counter as the login screen shows it (a fresh RSA card in reader 00 01)', () => {
  it('wrong once: PIN_INCORRECT and no warning; twice: the final-try step; then locked, with how to unblock', async () => {
    const link = fx.stack.links[1]!;
    const original = link.card;
    await link.remove();
    const data = await demoCard(fx.pki, 'ARX TEST BAKER RSA');
    enrolled.push(
      ...(await writeProvisioned(join(dir, 'fresh'), { pki: fx.pki, cards: [data] }, ['ARX TEST BAKER RSA'])).cards,
    );
    link.card = new PivCard(data);
    await link.insert();
    const auth = operatorAuth();
    const slot = await slotOf(auth, READER_B);
    const pinState = async () => (await auth.readers()).find((r) => r.slot === slot)!.pinState!;
    const attempt = (pin: string, confirmFinalTry = false) =>
      failure(auth.login({ slot, certificateId: null, pin, confirmFinalTry }));

    expect(await attempt('999999')).toMatchObject({
      code: 'PIN_INCORRECT',
      message: expect.stringContaining('The PIN is incorrect.'),
    });
    expect(audit.at(-1)).toMatchObject({ type: 'com.arx.session.refused', data: { reason: 'PIN_INCORRECT' } });
    expect(link.card.pinTriesLeft).toBe(2);
    // OpenSC's PIV driver never sets CKF_USER_PIN_COUNT_LOW: after one wrong PIN the login screen
    // shows the refusal above and no warning; the next step it can show is the final try.
    expect(await pinState()).toMatchObject({ level: 'ok', needsConfirmation: false, message: '' });

    expect(await attempt('999998')).toMatchObject({ code: 'PIN_INCORRECT' });
    expect(await pinState()).toMatchObject({
      level: 'final-try',
      needsConfirmation: true,
      message: expect.stringContaining('one more wrong PIN locks the card'),
    });
    // Without the user's confirmation the card is not even asked: its counter stays at one.
    expect(await attempt(data.pin)).toMatchObject({ code: 'PIN_FINAL_TRY_UNCONFIRMED' });
    expect(link.card.pinTriesLeft).toBe(1);

    expect((await attempt('999997', true)).code).toMatch(/^PIN_(INCORRECT|LOCKED)$/);
    expect(link.card.pinTriesLeft).toBe(0);
    expect(await pinState()).toMatchObject({
      level: 'locked',
      refuse: true,
      message: 'The PIN is locked. The card must be unblocked by the issuing office.',
    });
    expect(await attempt(data.pin, true)).toMatchObject({ code: 'PIN_LOCKED' });

    // The issuing office unblocks it with the PUK; the new PIN logs the operator in.
    await run('pkcs15-tool', ['--reader', '1', '--unblock-pin', '--puk', data.puk, '--new-pin', '654321']);
    expect(await pinState()).toMatchObject({ level: 'ok' });
    const session = await auth.login({ slot, certificateId: null, pin: '654321', confirmFinalTry: false });
    expect(session.edipi).toBe('1000000002');
    await auth.logout();

    await link.remove();
    link.card = original;
    await link.insert();
  });
});
