import 'reflect-metadata';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CardService, type CardSession } from '../../../electron/main/card/card-service';
import { provisionTestCards, TEST_CARDS, type ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { CacheService, cardKey } from '../../../electron/main/cache/cache-service';
import type { ArxConfig } from '../../../electron/main/config/config';
import type { OperatorAuth } from '../../../electron/main/card/operator-auth';
import type { ControlPlane } from '../../../electron/main/controlplane/control-plane';
import {
  recipientFromRecoveryFile,
  recoveryUnwrapper,
  type Recipient,
  type Unwrapper,
} from '../../../electron/main/cache/key-wrap';
import { LocalCache } from '../../../electron/main/cache/local-cache';
import { CACHE_MIGRATIONS } from '../../../electron/main/cache/migrations';
import { asyncFailureCode } from '../../support/failure-code';

const LATEST = CACHE_MIGRATIONS[CACHE_MIGRATIONS.length - 1]!.version;

// Privacy of the key wraps (docs/cache.md "Key wraps: what is in clear"): a seized cache
// file must not say whose cards open it. With real SoftHSM2 cards (EC: ECDH on the card, RSA:
// OAEP on the card), the raw bytes of the file and of its WAL are searched for the card holder's
// subject (name, EDIPI) and the card's public key (SPKI DER, base64, and the bare key bytes), on a
// new file and on a file in the old format (labels and public keys in clear) once migrated.

let dir: string;
let cards: ProvisionedTestCards;
let service: CardService;
const ADAMS = TEST_CARDS.find((c) => c.label === 'ARX TEST ADAMS EC')!;
const BAKER = TEST_CARDS.find((c) => c.label === 'ARX TEST BAKER RSA')!;
const OTHER = {
  ...ADAMS,
  label: 'ARX TEST OTHER EC',
  person: { last: 'OTHER', first: 'OLIVE', middle: 'O', edipi: '1000000099' },
};

type Card = {
  session: CardSession;
  recipient: Recipient;
  unwrapper: Unwrapper;
  person: { last: string; first: string; edipi: string };
};

const opened: CardSession[] = [];

async function card(spec: typeof ADAMS): Promise<Card> {
  const slots = await service.listSlots();
  const slot = slots.find((s) => s.token?.label === spec.label)!.slot;
  const session = await service.login(slot, new TextEncoder().encode('123456'));
  opened.push(session);
  return { session, ...cardKey(session), person: spec.person };
}

afterEach(async () => {
  for (const s of opened.splice(0)) await s.logout().catch(() => undefined);
});

const code = asyncFailureCode;

/** The raw bytes of the cache file and of its WAL (when there is one), as a seized disk shows them. */
function raw(file: string): { main: Buffer; wal: Buffer } {
  return { main: readFileSync(file), wal: existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`) : Buffer.alloc(0) };
}

/** What identifies the card holder or links the file to the card's certificate in a directory. */
function needles(c: Card): Record<string, Buffer> {
  const spki = c.recipient.publicKey.export({ type: 'spki', format: 'der' });
  const jwk = (c.recipient.publicKey as KeyObject).export({ format: 'jwk' });
  const bare =
    c.recipient.kind === 'ec' ? Buffer.from(jwk.x!, 'base64url') : Buffer.from(jwk.n!, 'base64url').subarray(0, 64);
  return {
    subject: Buffer.from(c.recipient.label),
    surname: Buffer.from(c.person.last),
    'given name': Buffer.from(c.person.first),
    EDIPI: Buffer.from(c.person.edipi),
    'SPKI (DER)': spki,
    'SPKI (base64)': Buffer.from(spki.toString('base64').slice(0, 64)),
    'public key bytes': bare,
  };
}

function expectClean(file: string, who: Card[], when: string): void {
  const { main, wal } = raw(file);
  for (const c of who) {
    for (const [what, n] of Object.entries(needles(c))) {
      expect(main.includes(n), `${c.person.last}'s ${what} in clear in the cache file (${when})`).toBe(false);
      expect(wal.includes(n), `${c.person.last}'s ${what} in clear in the WAL (${when})`).toBe(false);
    }
  }
}

/** What is still in clear, as the docs say: the recipient id (SHA-256 of the SPKI) finds the wrap. */
function expectFindable(file: string, c: Card): void {
  const { main, wal } = raw(file);
  expect(Buffer.concat([main, wal]).includes(Buffer.from(c.recipient.id)), 'the recipient id is in the file').toBe(
    true,
  );
}

const labels = (cache: LocalCache) =>
  cache
    .recipients()
    .map((r) => `${r.role} ${r.kind} ${r.label}`)
    .sort();

const fp = (c: Card) => `key ${c.recipient.id.slice(0, 16)}…`;

let recovery: Recipient;
let recoveryKey: Unwrapper;

/**
 * A cache file in format 1, as the console before migration 2 wrote it: key_wraps.label = the card's
 * certificate CN (or "organisation recovery key") and key_wraps.spki = every recipient's public key,
 * in clear, in the main file and again in an un-checkpointed WAL (a crash or a power cut leaves
 * it so). Made with the current code, then key_wraps rebuilt as format 1 (the other tables did not
 * change between formats 1 and 2). Holds one record, "p", wrapped to both cards and the recovery key.
 */
function format1(file: string, adams: Card, baker: Card): string {
  const made = `${file}.making`;
  const cache0 = new LocalCache({ file: made, workstationId: 'ws', limitBytes: 1 << 20 });
  cache0.create([adams.recipient, recovery], 'card');
  cache0.put('event-page', 'p', { secret: 'evidence' }, { refetchable: true });
  cache0.rewrap(baker.recipient, false);
  cache0.lock();
  const v1 = new Database(made);
  v1.pragma('journal_mode = WAL');
  v1.pragma('wal_autocheckpoint = 0');
  const spkis = new Map(
    [adams, baker].map((c) => [c.recipient.id, c.recipient.publicKey.export({ type: 'spki', format: 'der' })]),
  );
  const names = new Map([adams, baker].map((c) => [c.recipient.id, c.recipient.label]));
  v1.transaction(() => {
    v1.exec(`CREATE TABLE key_wraps_v1 (
      generation INTEGER NOT NULL, recipient TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('card', 'recovery')), kind TEXT NOT NULL CHECK (kind IN ('ec', 'rsa')),
      label TEXT NOT NULL, spki BLOB NOT NULL, exchange BLOB NOT NULL, salt BLOB NOT NULL, wrapped BLOB NOT NULL,
      PRIMARY KEY (generation, recipient)) STRICT`);
    const rows = v1
      .prepare('SELECT generation, recipient, role, kind, spki, exchange, salt, wrapped FROM key_wraps')
      .all() as {
      generation: number;
      recipient: string;
      role: string;
      kind: string;
      spki: Buffer | null;
      exchange: Buffer;
      salt: Buffer;
      wrapped: Buffer;
    }[];
    const ins = v1.prepare('INSERT INTO key_wraps_v1 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (const r of rows)
      ins.run(
        r.generation,
        r.recipient,
        r.role,
        r.kind,
        names.get(r.recipient) ?? 'organisation recovery key',
        r.spki ?? spkis.get(r.recipient)!,
        r.exchange,
        r.salt,
        r.wrapped,
      );
    v1.exec(
      'DROP TABLE key_wraps; ALTER TABLE key_wraps_v1 RENAME TO key_wraps; CREATE INDEX IF NOT EXISTS records_generation ON records (generation)',
    );
    v1.pragma('user_version = 1');
  })();
  v1.pragma('wal_checkpoint(TRUNCATE)'); // the labels are in the main file...
  v1.prepare("UPDATE key_wraps SET label = label || ' ' WHERE role = 'card'").run(); // ...and in the WAL
  copyFileSync(made, file); // the file as a crash leaves it: WAL not folded in
  copyFileSync(`${made}-wal`, `${file}-wal`);
  v1.close();
  const before = raw(file);
  for (const c of [adams, baker]) {
    for (const [what, n] of Object.entries(needles(c))) {
      if (what === 'public key bytes' || what === 'SPKI (base64)') continue; // format 1 kept the DER
      expect(before.main.includes(n), `${what} in the format-1 file`).toBe(true);
      expect(before.wal.includes(n), `${what} in the format-1 WAL`).toBe(true);
    }
  }
  expect(before.main.readUInt32BE(60)).toBe(1); // SQLite header: user_version
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-cache-wrap-privacy-'));
  cards = await provisionTestCards(join(dir, 'cards'), { specs: [ADAMS, BAKER, OTHER] });
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  service = await CardService.open({ modulePath: cards.module });
  const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  recovery = recipientFromRecoveryFile(
    Buffer.from(kp.publicKey.export({ type: 'spki', format: 'pem' }) as string),
    'mem',
  );
  recoveryKey = recoveryUnwrapper(
    Buffer.from(kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    null,
    'mem',
  );
}, 240_000);

afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('key wraps: nothing in clear says whose cards open the cache', () => {
  it('a new cache (EC and RSA cards): neither the subject, the EDIPI nor the SPKI in the file or WAL, open or locked; the unlocked cache names the cards', async () => {
    const adams = await card(ADAMS);
    const baker = await card(BAKER);
    const other = await card(OTHER);
    const file = join(dir, 'new.db');
    const cache = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 20 });
    cache.create([adams.recipient, recovery], `card ${adams.recipient.label}`);
    cache.put('event-page', 'p', { secret: 'evidence' }, { refetchable: true });
    cache.rewrap(baker.recipient, false);
    expect(raw(file).wal.length).toBeGreaterThan(0); // the writes are in the WAL while open
    expectClean(file, [adams, baker], 'open after create and re-wrap');
    expectFindable(file, adams);
    expectFindable(file, baker);
    const named = [
      `card ec ${adams.recipient.label}`,
      `card rsa ${baker.recipient.label}`,
      'recovery ec organisation recovery key',
    ].sort();
    expect(labels(cache)).toEqual(named);
    expect(adams.recipient.label).toContain(ADAMS.person.edipi); // the label shown is the useful one

    cache.lock();
    expectClean(file, [adams, baker], 'locked');
    expect(await code(() => cache.recipients())).toBe('CACHE_LOCKED'); // the names need the key

    // The RSA card opens it (OAEP on the card) and still sees both names: they are sealed, not taken from the card.
    await cache.unlock(baker.unwrapper, 'card');
    expect(labels(cache)).toEqual(named);
    expectClean(file, [adams, baker], 'unlocked by the RSA card');
    cache.lock();

    // The recovery key, with no card at all, also sees both names.
    await cache.unlock(recoveryKey, 'recovery');
    expect(labels(cache)).toEqual(named);
    // Rotation wraps the new generation to both cards: their public keys come from the sealed part.
    expect(cache.rotate(10)).toBe(0);
    expect(labels(cache)).toEqual(named);
    expectClean(file, [adams, baker], 'after a rotation');
    cache.lock();
    await cache.unlock(adams.unwrapper, 'card'); // ECDH on the card, generation 2
    expect(cache.get('event-page', 'p')).toEqual({ secret: 'evidence' });
    cache.lock();

    // Another person's card still cannot open it, with the stable code, and the cache stays locked.
    expect(await code(cache.unlock(other.unwrapper, 'card'))).toBe('CACHE_WRONG_CARD');
    expect(await code(cache.unlock({ ...other.unwrapper, id: adams.recipient.id }, 'card'))).toBe(
      'CACHE_KEY_UNWRAP_FAILED',
    );
    expect(cache.isUnlocked).toBe(false);
    expectClean(file, [adams, baker, other], 'after the wrong card');
  }, 120_000);

  it('a file in the old format (labels and card public keys in clear, in the file and in its WAL) is cleaned when opened, before any unlock; each card gets its name back when it opens it', async () => {
    const adams = await card(ADAMS);
    const baker = await card(BAKER);
    const other = await card(OTHER);
    const file = format1(join(dir, 'old.db'), adams, baker);
    // Opened: migration 2 runs before any key is there, and leaves nothing of the labels behind.
    const cache = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 20 });
    cache.migrate();
    expect(raw(file).main.readUInt32BE(60)).toBe(LATEST);
    expectClean(file, [adams, baker], 'old file migrated, still locked');
    expectFindable(file, adams);

    // A wrong card is still refused with its code (this also opens, i.e. migrates, the file).
    expect(await code(cache.unlock(other.unwrapper, 'card'))).toBe('CACHE_WRONG_CARD');

    // The recovery key opens it; the cards are known by fingerprint until each opens it once, and a
    // rotation is refused until then (it could not wrap the new key to them).
    await cache.unlock(recoveryKey, 'recovery');
    expect(cache.get('event-page', 'p')).toEqual({ secret: 'evidence' });
    expect(labels(cache)).toEqual(
      [`card ec ${fp(adams)}`, `card rsa ${fp(baker)}`, 'recovery ec organisation recovery key'].sort(),
    );
    expect(await code(() => cache.rotate(10))).toBe('CARD_CERT_MISSING');
    cache.lock();

    await cache.unlock(adams.unwrapper, 'card');
    expect(labels(cache)).toEqual(
      [`card ec ${adams.recipient.label}`, `card rsa ${fp(baker)}`, 'recovery ec organisation recovery key'].sort(),
    );
    expectClean(file, [adams, baker], 'the EC card sealed its name back in');
    cache.lock();
    await cache.unlock(baker.unwrapper, 'card');
    expect(labels(cache)).toEqual(
      [
        `card ec ${adams.recipient.label}`,
        `card rsa ${baker.recipient.label}`,
        'recovery ec organisation recovery key',
      ].sort(),
    );
    expect(cache.rotate(10)).toBe(0);
    expectClean(file, [adams, baker], 'both cards named again, rotated, open');
    cache.lock();
    expectClean(file, [adams, baker], 'locked at the end');
    await cache.unlock(adams.unwrapper, 'card');
    expect(cache.get('event-page', 'p')).toEqual({ secret: 'evidence' });
    expect(labels(cache)).toEqual(
      [
        `card ec ${adams.recipient.label}`,
        `card rsa ${baker.recipient.label}`,
        'recovery ec organisation recovery key',
      ].sort(),
    );
    cache.lock();
  }, 120_000);

  it('a scrub that cannot finish (another process reading the file) is tried again at the next open', async () => {
    const adams = await card(ADAMS);
    const baker = await card(BAKER);
    const file = format1(join(dir, 'busy.db'), adams, baker);
    const reader = new Database(file, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM key_wraps').get(); // holds a snapshot of the old WAL frames
    const cache = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 20 });
    cache.migrate(); // migrated, but neither the VACUUM nor the WAL truncation can finish under the reader
    const { main, wal } = raw(file);
    expect(
      Buffer.concat([main, wal]).includes(Buffer.from(adams.recipient.label)),
      'the old bytes are still there while the reader holds them',
    ).toBe(true);
    reader.exec('COMMIT');
    reader.close();
    cache.migrate(); // the next open: the marker is still there, the scrub runs
    expect(raw(file).main.readUInt32BE(60)).toBe(LATEST); // checkpointed: the header in the main file says the latest format
    expectClean(file, [adams, baker], 'scrub retried');
    await cache.unlock(adams.unwrapper, 'card');
    expect(cache.get('event-page', 'p')).toEqual({ secret: 'evidence' });
    cache.lock();
    expectClean(file, [adams, baker], 'scrub retried, unlocked and locked');
  }, 120_000);

  it('the cache service migrates a format-1 file when the console starts (no login), and its status names the card once the card opens it', async () => {
    const adams = await card(ADAMS);
    const baker = await card(BAKER);
    const dataDir = join(dir, 'console');
    mkdirSync(join(dataDir, 'cache'), { recursive: true });
    const file = format1(join(dataDir, 'cache', 'evidence-cache.db'), adams, baker);
    const auth = Object.assign(new EventEmitter(), {
      activeCard: () => adams.session as CardSession | null,
      session: () => ({ edipi: '1000000001', locked: false, roles: [] }),
    });
    const lines: string[] = [];
    const s = new CacheService({
      config: { dataDir, cache: { recoveryPublicKey: null, limitBytes: 1 << 20 } } as unknown as ArxConfig,
      operatorAuth: auth as unknown as OperatorAuth,
      controlPlane: {
        status: () => ({ state: 'unreachable', mode: 'embedded', detail: '' }),
      } as unknown as ControlPlane,
      log: (l) => lines.push(l),
      workstationId: 'ws',
      deliveryIntervalMs: 0,
    });
    expect(s.cache.file).toBe(file);
    expect(s.status().state).toBe('locked');
    expect(s.status().recipients).toEqual([]); // locked: no names
    expectClean(file, [adams, baker], 'console started, nobody logged in');
    const st = await s.unlock();
    expect(st.state).toBe('unlocked');
    expect(st.unlockedBy).toBe(`card ${adams.recipient.label}`);
    expect(st.recipients.map((r) => `${r.role} ${r.kind} ${r.label}`).sort()).toEqual(
      [`card ec ${adams.recipient.label}`, `card rsa ${fp(baker)}`, 'recovery ec organisation recovery key'].sort(),
    );
    // The shared file became the file of the operator whose card opened it (docs/cache.md "One file per operator").
    expect(st.file).not.toBe(file);
    s.close();
    expectClean(st.file, [adams, baker], 'after the service unlocked and closed');
    expect(lines.filter((l) => l.includes('not migrated'))).toEqual([]);
  }, 120_000);
});
