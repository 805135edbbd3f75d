/**
 * Issue 7's figures:
 *   - AEAD alone: AES-256-GCM seal+open of 1 KB and 64 KB with node:crypto and with @noble/ciphers
 *     (the measurement behind envelope.ts's choice);
 *   - the encrypted cache (LocalCache: seal, keyed digest, manifest) against plain better-sqlite3
 *     on the same records, same pragmas (WAL, synchronous=FULL), in the same run: write and read of
 *     1 KB and 64 KB records (goal: at most 1.5× the plain cost);
 *   - cache unlock with SoftHSM2 cards (card ECDH or RSA-OAEP decrypt, HKDF, unwrap, file checks):
 *     median of 20 (goal < 300 ms).
 *
 *   npm run bench -- cache
 */
import 'reflect-metadata';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CardService } from '../../electron/main/card/card-service';
import { provisionTestCards, TEST_CARDS } from '../../electron/main/card/test-cards';
import { cardKey } from '../../electron/main/cache/cache-service';
import { DataKey, nobleAead, nodeAead, type Aead } from '../../electron/main/cache/envelope';
import { recipientFromRecoveryFile } from '../../electron/main/cache/key-wrap';
import { LocalCache } from '../../electron/main/cache/local-cache';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const best = (xs: number[]) => Math.min(...xs);

function aeadBench(aead: Aead, size: number, iterations: number): number {
  const key = DataKey.random(1);
  const data = randomBytes(size);
  const aad = randomBytes(21);
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    const nonce = randomBytes(12);
    const sealed = aead.seal(key.enc, nonce, data, aad);
    aead.open(key.enc, nonce, sealed, aad);
  }
  return (size * iterations) / ((performance.now() - t0) / 1000) / 1e6;
}

function record(size: number, i: number) {
  // JSON of about `size` bytes, different per record
  return { id: `rec-${i}`, tenant: 'alpha-command', pad: randomBytes(Math.max(1, Math.floor((size - 60) * 0.75))).toString('base64') };
}

function plainStore(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE records (id TEXT PRIMARY KEY, kind TEXT NOT NULL, value BLOB NOT NULL, last_access INTEGER NOT NULL) STRICT');
  const ins = db.prepare('INSERT INTO records (id, kind, value, last_access) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET value = excluded.value');
  const sel = db.prepare('SELECT value FROM records WHERE id = ?');
  return {
    put: (key: string, v: unknown) => db.transaction(() => ins.run(`event-page\0${key}`, 'event-page', Buffer.from(JSON.stringify(v)), Date.now()))(),
    get: (key: string) => JSON.parse((sel.get(`event-page\0${key}`) as { value: Buffer }).value.toString('utf8')) as unknown,
    close: () => db.close(),
  };
}

async function throughput(dir: string) {
  const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const recovery = recipientFromRecoveryFile(Buffer.from(kp.publicKey.export({ type: 'spki', format: 'pem' }) as string), 'bench');
  for (const [size, n] of [
    [1024, 1500],
    [65536, 200],
  ] as const) {
    const records = Array.from({ length: n }, (_, i) => record(size, i));
    const rounds = { plainW: [] as number[], plainR: [] as number[], encW: [] as number[], encR: [] as number[], nobleW: [] as number[], nobleR: [] as number[] };
    for (let round = 0; round < 3; round++) {
      const plain = plainStore(join(dir, `plain-${size}-${round}.db`));
      let t0 = performance.now();
      records.forEach((r, i) => plain.put(`k${i}`, r));
      rounds.plainW.push(performance.now() - t0);
      t0 = performance.now();
      for (let i = 0; i < n; i++) plain.get(`k${i}`);
      rounds.plainR.push(performance.now() - t0);
      plain.close();
      for (const [aead, w, r] of [
        [nodeAead, rounds.encW, rounds.encR],
        [nobleAead, rounds.nobleW, rounds.nobleR],
      ] as const) {
        const cache = new LocalCache({ file: join(dir, `enc-${aead.name.replace(/\W/g, '')}-${size}-${round}.db`), workstationId: 'bench', limitBytes: 1 << 30, aead });
        cache.create([recovery], 'bench');
        t0 = performance.now();
        records.forEach((rec, i) => cache.put('event-page', `k${i}`, rec, { refetchable: true }));
        w.push(performance.now() - t0);
        t0 = performance.now();
        for (let i = 0; i < n; i++) cache.get('event-page', `k${i}`);
        r.push(performance.now() - t0);
        cache.lock();
      }
    }
    const per = (ms: number) => `${((ms / n) * 1000).toFixed(1)} µs/record`;
    const kb = size / 1024;
    const line = (what: string, plain: number, enc: number, noble: number) =>
      console.log(
        `${what} ${kb} KB × ${n}: plain ${per(plain)}, encrypted (node:crypto) ${per(enc)} = ${(enc / plain).toFixed(2)}× plain, ` +
          `encrypted (@noble/ciphers) ${per(noble)} = ${(noble / plain).toFixed(2)}× (goal ≤ 1.5×)`,
      );
    line('write', best(rounds.plainW), best(rounds.encW), best(rounds.nobleW));
    line('read ', best(rounds.plainR), best(rounds.encR), best(rounds.nobleR));
  }
}

async function unlock(dir: string) {
  const cards = await provisionTestCards(join(dir, 'cards'), { specs: TEST_CARDS.slice(0, 2) });
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  const service = await CardService.open({ modulePath: cards.module });
  try {
    const slots = await service.listSlots();
    for (const card of cards.cards) {
      const session = await service.login(slots.find((s) => s.token?.label === card.label)!.slot, new TextEncoder().encode(card.pin));
      const { recipient, unwrapper } = cardKey(session);
      const cache = new LocalCache({ file: join(dir, `unlock-${card.keyType}.db`), workstationId: 'bench', limitBytes: 1 << 30 });
      cache.create([recipient], 'bench');
      for (let i = 0; i < 200; i++) cache.put('event-page', `p${i}`, record(1024, i), { refetchable: true });
      for (let i = 0; i < 5; i++) cache.enqueue('review.signed', { i }, null);
      cache.lock();
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        await cache.unlock(unwrapper, 'bench');
        times.push(performance.now() - t0);
        cache.lock();
      }
      console.log(`cache unlock ${card.keyType.toUpperCase()} (${card.label}, ${card.keyType === 'ec' ? 'C_DeriveKey ECDH' : 'C_Decrypt RSA-OAEP'} + HKDF + unwrap + checks): median ${median(times).toFixed(1)} ms (goal < 300 ms)`);
      await session.logout();
    }
  } finally {
    await service.close();
  }
}

async function main() {
  for (const size of [1024, 65536]) {
    const it = size === 1024 ? 20_000 : 400;
    const node = Math.max(aeadBench(nodeAead, size, it), aeadBench(nodeAead, size, it));
    const noble = Math.max(aeadBench(nobleAead, size, it), aeadBench(nobleAead, size, it));
    console.log(`AES-256-GCM seal+open ${size / 1024} KB: node:crypto ${node.toFixed(0)} MB/s, @noble/ciphers ${noble.toFixed(0)} MB/s (node:crypto ${(node / noble).toFixed(1)}× faster; envelope.ts uses ${node >= noble ? 'node:crypto' : '@noble/ciphers — CHANGE the default'})`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'arx-cache-bench-'));
  try {
    await throughput(dir);
    await unlock(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
