import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheFileOf, legacyCacheFileOf } from '../../../electron/main/cache/cache-service';
import {
  provisionTestCards,
  registerTestOperators,
  TEST_CARDS,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import type { ArxConfig } from '../../../electron/main/config/config';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import { cacheUnlocked, consoleCaller, loginCard, startCardConsole } from '../../support/card-console';
import { migratedDatabase } from '../../support/pg';
import { seedTenant } from '../review/support';

/**
 * One cache file per operator on a shared workstation (docs/cache.md "One file per operator"): the
 * demo's two SoftHSM2 operators, ADAMS (EC) and BAKER (RSA), log in one after the other on one
 * data directory through the console's own commands. Each opens a file of their own (no
 * CACHE_WRONG_CARD for the second), sees the evidence they fetched and not the other's; a file
 * swapped under the other's name does not open with the wrong card; a shared file of an older
 * console becomes the file of the operator whose card opens it, with everything in it.
 */

const ADAMS = TEST_CARDS.find((c) => c.label === 'ARX TEST ADAMS EC')!;
const BAKER = TEST_CARDS.find((c) => c.label === 'ARX TEST BAKER RSA')!;

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let services: ConsoleServices;
let config: ArxConfig;
let dataDir: string;
const { call, failure } = consoleCaller(() => services);

interface Status {
  state: string;
  file: string;
  unlockedBy: string | null;
  outbox: { pending: number };
}
const status = () => call<Status>('cache.status', {});
/** The evidence pages the open cache holds, by their (decrypted) keys. */
async function pages(): Promise<string[]> {
  const { kinds } = await call<{ kinds: { kind: string; keys: string[] }[] }>('cache.entries', { limit: 1000 });
  return (kinds.find((k) => k.kind === 'event-page')?.keys ?? []).sort();
}
async function as(card: typeof ADAMS): Promise<Status> {
  await loginCard({ call }, card.label);
  await cacheUnlocked({ call });
  return status();
}
const fetchEvent = (seq: number) => call('explorer.event', { tenantId: db.tenants.a, seq });

async function start(): Promise<void> {
  ({ services, config } = await startCardConsole(db, cards, 'peroper', { ARX_DATA_DIR: dataDir }));
}

beforeAll(async () => {
  db = await migratedDatabase('peroper');
  const dir = mkdtempSync(join(tmpdir(), 'arx-peroper-'));
  cards = await provisionTestCards(join(dir, 'cards'), { specs: [ADAMS, BAKER] });
  await registerTestOperators(db.admin, cards, [db.tenants.a]);
  await seedTenant(db.admin, db.gatewayPool, db.tenants.a, 30);
  dataDir = join(dir, 'data');
  await start();
}, 300_000);

afterAll(async () => {
  await services?.stop();
  await db?.drop();
});

describe('one cache per operator on a shared workstation', () => {
  let adamsPages: string[] = [];
  let adamsFile = '';
  let bakerFile = '';

  it('two operators log in one after the other: each opens their own file and sees only their own evidence', async () => {
    const a = await as(ADAMS);
    adamsFile = a.file;
    expect(a.unlockedBy).toContain('ADAMS');
    expect(adamsFile).toBe(cacheFileOf(config, ADAMS.person.edipi));
    await fetchEvent(3);
    await fetchEvent(4);
    adamsPages = await pages();
    expect(adamsPages.length).toBe(2);

    const b = await as(BAKER); // was CACHE_WRONG_CARD when the workstation had one cache
    bakerFile = b.file;
    expect(b.unlockedBy).toContain('BAKER');
    expect(bakerFile).toBe(cacheFileOf(config, BAKER.person.edipi));
    expect(bakerFile).not.toBe(adamsFile);
    expect(await pages()).toEqual([]);
    await fetchEvent(7);
    const bakerPages = await pages();
    expect(bakerPages.length).toBe(1);
    expect(bakerPages.some((k) => adamsPages.includes(k))).toBe(false);

    expect((await as(ADAMS)).file).toBe(adamsFile);
    expect(await pages()).toEqual(adamsPages);
  }, 120_000);

  it("the other operator's file under one's own name does not open with the wrong card (CACHE_WRONG_CARD)", async () => {
    await call('card.logout', {});
    const saved = `${bakerFile}.saved`;
    renameSync(bakerFile, saved);
    copyFileSync(adamsFile, bakerFile);
    try {
      await loginCard({ call }, BAKER.label);
      expect((await failure('cache.unlock', {})).code).toBe('CACHE_WRONG_CARD');
      expect((await status()).state).toBe('locked');
      expect((await failure('cache.entries', { limit: 10 })).code).toBe('CACHE_LOCKED');
    } finally {
      await call('card.logout', {});
      rmSync(bakerFile, { force: true });
      renameSync(saved, bakerFile);
    }
    // Nothing of ADAMS's was changed by the attempt.
    await as(ADAMS);
    expect(await pages()).toEqual(adamsPages);
  }, 120_000);

  it("migrates an older console's shared file to the operator whose card opens it, with all its evidence", async () => {
    await call('card.logout', {});
    await services.stop();
    // ADAMS's file as an older console kept it: the one shared file; BAKER has none yet.
    const legacy = legacyCacheFileOf(config);
    renameSync(adamsFile, legacy);
    for (const f of [bakerFile, `${bakerFile}-wal`, `${bakerFile}-shm`]) rmSync(f, { force: true });
    await start();

    // BAKER first: a new file of their own; the shared one is not theirs and stays.
    const b = await as(BAKER);
    expect(b.file).toBe(bakerFile);
    expect(await pages()).toEqual([]);
    expect(existsSync(legacy)).toBe(true);

    const a = await as(ADAMS);
    expect(a.file).toBe(adamsFile);
    expect(existsSync(legacy)).toBe(false);
    expect(await pages()).toEqual(adamsPages);
  }, 180_000);
});
