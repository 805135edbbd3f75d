/**
 * The local cache's figures (docs/benchmarks.md, cache):
 *   - AEAD alone: AES-256-GCM seal+open of 1 KB and 64 KB with node:crypto and with @noble/ciphers
 *     (the measurement behind envelope.ts's choice);
 *   - the encrypted cache (LocalCache) against plain better-sqlite3 on the same records in the same
 *     run, 1 KB and 64 KB records (goal: at most 1.5× the plain cost);
 *   - cache unlock with SoftHSM2 cards (card ECDH or RSA-OAEP decrypt, HKDF, unwrap, file checks):
 *     median of 20 (goal < 300 ms).
 *
 * What each side does (same records, same JSON work, same pragmas WAL + synchronous=FULL):
 *   plain write  JSON.stringify → Buffer → one upsert (id = kind ‖ 0 ‖ key) in its own transaction.
 *   enc write    LocalCache.put: JSON.stringify → Buffer, keyed digest of the id, delete of a previous
 *                version, AES-256-GCM seal of key and value, insert, sealed manifest rewrite, LRU
 *                eviction check, in its own transaction.
 *   plain read   one primary-key SELECT of the value, toString, JSON.parse.
 *   enc read     LocalCache.get: keyed digest of the id, one primary-key SELECT of the cell and its
 *                last access, AES-256-GCM open, location-tag check, toString, JSON.parse, zero-fill of
 *                the plaintext buffer, LRU clock bookkeeping.
 *   "cold" read  the first read of each record after opening: the plain side reopens its connection,
 *                the cache is locked and unlocked (with the software recovery key, not timed), so no
 *                digest or tag is remembered (envelope.ts DIGEST_MEMO_LIMIT) and SQLite's page cache
 *                is empty on both sides. "warm": the same records read again.
 *   "clock moving" every read is a minute after the record's last access, so each one moves the LRU
 *                clock (written in batches, local-cache.ts touch): the worst case of that bookkeeping.
 * "pages committed per write": WAL frames appended per write on fresh files (the encrypted side
 * writes the row, its id index entry, its LRU index entry and the sealed manifest row; the plain
 * side the row and its id index entry; page splits come on top on both).
 * Both sides reopen their file before the read passes and do not write before reading: until a
 * connection's first write SQLite checks for a WAL file (one stat) at every statement, on both sides.
 * The plain side has no LRU clock and no eviction. Figures: best of 5 passes (reads; writes: 5
 * rounds on fresh files, alternating which side goes first), wall time and process CPU time (user +
 * system; less sensitive to other processes on a loaded machine, but a write's CPU includes the
 * kernel's work for its fsync, which varies with the disk's other users). The load average is
 * printed with them.
 *
 *   npm run bench -- cache
 */
import 'reflect-metadata';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CardService } from '../../electron/main/card/card-service';
import { provisionTestCards, TEST_CARDS } from '../../electron/main/card/test-cards';
import { cardKey } from '../../electron/main/cache/cache-service';
import { DataKey, nobleAead, nodeAead, randomNonce, type Aead } from '../../electron/main/cache/envelope';
import { recipientFromRecoveryFile, recoveryUnwrapper } from '../../electron/main/cache/key-wrap';
import { LocalCache, LRU_RESOLUTION_MS } from '../../electron/main/cache/local-cache';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () =>
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (${'2'} cores shared)`;

interface Cost {
  wall: number;
  cpu: number;
}
function measure(f: () => void): Cost {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}
const best = (xs: Cost[]): Cost => ({
  wall: Math.min(...xs.map((x) => x.wall)),
  cpu: Math.min(...xs.map((x) => x.cpu)),
});

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
  return {
    id: `rec-${i}`,
    tenant: 'alpha-command',
    pad: randomBytes(Math.max(1, Math.floor((size - 60) * 0.75))).toString('base64'),
  };
}

function plainStore(file: string) {
  const open = () => {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(
      'CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, kind TEXT NOT NULL, value BLOB NOT NULL, last_access INTEGER NOT NULL) STRICT',
    );
    return {
      db,
      ins: db.prepare(
        'INSERT INTO records (id, kind, value, last_access) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET value = excluded.value',
      ),
      sel: db.prepare('SELECT value FROM records WHERE id = ?'),
    };
  };
  let s = open();
  return {
    put: (key: string, v: unknown) =>
      s.db.transaction(() =>
        s.ins.run(`event-page\0${key}`, 'event-page', Buffer.from(JSON.stringify(v)), Date.now()),
      )(),
    get: (key: string) =>
      JSON.parse((s.sel.get(`event-page\0${key}`) as { value: Buffer }).value.toString('utf8')) as unknown,
    reopen: () => {
      s.db.close();
      s = open();
    },
    close: () => s.db.close(),
  };
}

/**
 * Pages each side commits per write: WAL frames (4096-byte page + 24-byte frame header) appended by
 * `count` writes to fresh files, few enough that no automatic checkpoint runs in between. Every
 * frame is checksummed, written and (synchronous=FULL) synced, and later copied back by a checkpoint.
 */
function framesPerWrite(
  dir: string,
  size: number,
  count: number,
  recovery: Parameters<LocalCache['create']>[0][number],
) {
  const wal = (f: string) => statSync(`${f}-wal`).size;
  const records = Array.from({ length: count }, (_, i) => record(size, i));
  const pf = join(dir, `frames-plain-${size}.db`);
  const plain = plainStore(pf);
  plain.put('warm-up', records[0]);
  const p0 = wal(pf);
  records.forEach((r, i) => plain.put(`f${i}`, r));
  const p = (wal(pf) - p0) / 4120 / count;
  plain.close();
  const ef = join(dir, `frames-enc-${size}.db`);
  const cache = new LocalCache({ file: ef, workstationId: 'bench', limitBytes: 1 << 30 });
  cache.create([recovery], 'bench');
  cache.put('event-page', 'warm-up', records[0], { refetchable: true });
  const e0 = wal(ef);
  records.forEach((r, i) => cache.put('event-page', `f${i}`, r, { refetchable: true }));
  const e = (wal(ef) - e0) / 4120 / count;
  cache.lock();
  return { plain: p, enc: e };
}

async function throughput(dir: string) {
  const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const recovery = recipientFromRecoveryFile(
    Buffer.from(kp.publicKey.export({ type: 'spki', format: 'pem' }) as string),
    'bench',
  );
  const unwrapper = recoveryUnwrapper(
    Buffer.from(kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    null,
    'bench',
  );
  for (const [size, n] of [
    [1024, 1500],
    [65536, 200],
  ] as const) {
    const records = Array.from({ length: n }, (_, i) => record(size, i));
    const keys = records.map((_, i) => `k${i}`);
    const c = {
      plainW: [] as Cost[],
      encW: [] as Cost[],
      plainCold: [] as Cost[],
      encCold: [] as Cost[],
      plainWarm: [] as Cost[],
      encWarm: [] as Cost[],
      encClock: [] as Cost[],
    };
    let clock = Date.now();
    const now = () => clock;
    let plain = plainStore(join(dir, `plain-${size}-0.db`));
    let cache = new LocalCache({
      file: join(dir, `enc-${size}-0.db`),
      workstationId: 'bench',
      limitBytes: 1 << 30,
      now,
    });
    for (let round = 0; round < 5; round++) {
      if (round > 0) {
        plain.close();
        cache.lock();
        plain = plainStore(join(dir, `plain-${size}-${round}.db`));
        cache = new LocalCache({
          file: join(dir, `enc-${size}-${round}.db`),
          workstationId: 'bench',
          limitBytes: 1 << 30,
          now,
        });
      }
      cache.create([recovery], 'bench');
      const writes = [
        () => c.plainW.push(measure(() => records.forEach((r, i) => plain.put(keys[i]!, r)))),
        () =>
          c.encW.push(
            measure(() => records.forEach((r, i) => cache.put('event-page', keys[i]!, r, { refetchable: true }))),
          ),
      ];
      if (round % 2) writes.reverse();
      for (const w of writes) w();
    }
    for (let pass = 0; pass < 5; pass++) {
      plain.reopen();
      cache.lock();
      await cache.unlock(unwrapper, 'bench');
      const cold = [
        () => c.plainCold.push(measure(() => keys.forEach((k) => plain.get(k)))),
        () => c.encCold.push(measure(() => keys.forEach((k) => cache.get('event-page', k)))),
      ];
      const warm = [
        () => c.plainWarm.push(measure(() => keys.forEach((k) => plain.get(k)))),
        () => c.encWarm.push(measure(() => keys.forEach((k) => cache.get('event-page', k)))),
      ];
      if (pass % 2) {
        cold.reverse();
        warm.reverse();
      }
      for (const f of [...cold, ...warm]) f();
      c.encClock.push(
        measure(() =>
          keys.forEach((k) => {
            clock += LRU_RESOLUTION_MS;
            cache.get('event-page', k);
          }),
        ),
      );
    }
    plain.close();
    cache.lock();
    const per = (ms: number) => `${((ms / n) * 1000).toFixed(1)} µs`;
    const kb = size / 1024;
    const line = (what: string, p: Cost[], e: Cost[]) => {
      const [bp, be] = [best(p), best(e)];
      console.log(
        `${what.padEnd(26)} ${String(kb).padStart(2)} KB × ${n}: plain ${per(bp.wall)} (cpu ${per(bp.cpu)}), encrypted ${per(be.wall)} (cpu ${per(be.cpu)})` +
          ` = ${(be.wall / bp.wall).toFixed(2)}× plain wall, ${(be.cpu / bp.cpu).toFixed(2)}× cpu (goal ≤ 1.5×)`,
      );
    };
    line('write', c.plainW, c.encW);
    const fr = framesPerWrite(dir, size, size === 1024 ? 120 : 30, recovery);
    console.log(
      `${'  pages committed per write'.padEnd(26)} ${String(kb).padStart(2)} KB: plain ${fr.plain.toFixed(2)}, encrypted ${fr.enc.toFixed(2)} WAL frames (= ${(fr.enc / fr.plain).toFixed(2)}×)`,
    );
    line('read cold', c.plainCold, c.encCold);
    line('read warm', c.plainWarm, c.encWarm);
    line('read, clock moving', c.plainWarm, c.encClock);
    console.log(`  (${load()})`);
  }
}

async function unlock(dir: string) {
  const cards = await provisionTestCards(join(dir, 'cards'), { specs: TEST_CARDS.slice(0, 2) });
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  const service = await CardService.open({ modulePath: cards.module });
  try {
    const slots = await service.listSlots();
    for (const card of cards.cards) {
      const session = await service.login(
        slots.find((s) => s.token?.label === card.label)!.slot,
        new TextEncoder().encode(card.pin),
      );
      const { recipient, unwrapper } = cardKey(session);
      const cache = new LocalCache({
        file: join(dir, `unlock-${card.keyType}.db`),
        workstationId: 'bench',
        limitBytes: 1 << 30,
      });
      cache.create([recipient], 'bench');
      for (let i = 0; i < 200; i++) cache.put('event-page', `p${i}`, record(1024, i), { refetchable: true });
      for (let i = 0; i < 5; i++) cache.enqueue('review.signed', { i }, null);
      cache.lock();
      // Unlocks of the locked cache, timed one by one (ms); locked again after each.
      const timeUnlocks = async (n: number) => {
        const times: number[] = [];
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          await cache.unlock(unwrapper, 'bench');
          times.push(performance.now() - t0);
          cache.lock();
        }
        return times;
      };
      const times = await timeUnlocks(20);
      console.log(
        `cache unlock ${card.keyType.toUpperCase()} (${card.label}, ${card.keyType === 'ec' ? 'C_DeriveKey ECDH' : 'C_Decrypt RSA-OAEP'} + HKDF + unwrap + checks): ` +
          `median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (goal median < 300 ms; ${load()})`,
      );
      if (card.keyType === 'ec') {
        // A larger cache: 400 records of 64 KB (26 MB). Unlock must not read every record.
        await cache.unlock(unwrapper, 'bench');
        for (let i = 0; i < 400; i++) cache.put('event-page', `big${i}`, record(65536, i), { refetchable: true });
        cache.lock();
        const big = await timeUnlocks(10);
        console.log(
          `cache unlock EC with 400 more records of 64 KB (26 MB): median ${median(big).toFixed(1)} ms, max ${Math.max(...big).toFixed(1)} ms (goal median < 300 ms; ${load()})`,
        );
      }
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
    console.log(
      `AES-256-GCM seal+open ${size / 1024} KB: node:crypto ${node.toFixed(0)} MB/s, @noble/ciphers ${noble.toFixed(0)} MB/s (node:crypto ${(node / noble).toFixed(1)}× faster; envelope.ts uses ${node >= noble ? 'node:crypto' : '@noble/ciphers — CHANGE the default'})`,
    );
  }
  {
    // What envelope.ts's nonce pool saves: one call to the random source per nonce, or per 256.
    const cost = (f: () => void) => {
      const n = 50_000;
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) f();
      const c = process.cpuUsage(c0);
      return ((c.user + c.system) / n).toFixed(2);
    };
    const each = Math.min(...[0, 1, 2].map(() => Number(cost(() => randomBytes(12)))));
    const pooled = Math.min(...[0, 1, 2].map(() => Number(cost(() => randomNonce()))));
    console.log(
      `96-bit nonce: randomBytes(12) ${each.toFixed(2)} µs cpu, from envelope.ts's pool ${pooled.toFixed(2)} µs cpu (a 1 KB write seals 3 cells)`,
    );
  }
  console.log(`  (${load()})`);
  const dir = mkdtempSync(join(tmpdir(), 'arx-cache-bench-'));
  try {
    if (process.env.ARX_BENCH_CACHE_PART !== 'unlock') await throughput(dir);
    if (process.env.ARX_BENCH_CACHE_PART !== 'throughput') await unlock(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
