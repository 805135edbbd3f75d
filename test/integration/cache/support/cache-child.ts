/**
 * Child process for the crash tests (test/integration/cache/crash.test.ts): opens the cache with
 * the recovery key and either writes records forever ("write") or delivers the outbox ("deliver"),
 * printing each committed step, until the parent SIGKILLs it.
 *
 *   node --import tsx cache-child.ts <write|deliver>   (env: CACHE_FILE, RECOVERY_PEM, PG, TENANT, SIGNER_EDIPI)
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { recoveryUnwrapper } from '../../../../electron/main/cache/key-wrap';
import { LocalCache } from '../../../../electron/main/cache/local-cache';
import { Outbox } from '../../../../electron/main/cache/outbox';
import { testReviewDelivery } from './test-kind';

const mode = process.argv[2];
const cache = new LocalCache({ file: process.env.CACHE_FILE!, workstationId: 'crash-ws', limitBytes: 1 << 30 });
const problem = await cache.unlock(
  recoveryUnwrapper(readFileSync(process.env.RECOVERY_PEM!), null, 'recovery'),
  'child',
);
if (problem) {
  process.stdout.write(`problem ${problem.code}\n`);
  process.exit(3);
}
if (mode === 'write') {
  const start = cache.stats().records;
  process.stdout.write('ready\n');
  for (let i = start; ; i++) {
    cache.put('event-page', `page-${i}`, { i, pad: 'x'.repeat(2048 + (i % 7) * 100) }, { refetchable: true });
    if (i % 3 === 0) cache.enqueue('test.review', { reviewId: `w-${i}` }, null);
    process.stdout.write(`wrote ${i}\n`);
  }
} else {
  const pool = new pg.Pool(JSON.parse(process.env.PG!) as pg.PoolConfig);
  const outbox = new Outbox(
    () => cache,
    () => pool,
    '/arx/console/crash-child',
  );
  outbox.register('test.review', testReviewDelivery(process.env.TENANT!, process.env.SIGNER_EDIPI!, 0.01));
  await pool.query('SELECT 1');
  process.stdout.write('ready\n');
  const r = await outbox.flush();
  process.stdout.write(`done ${JSON.stringify(r)}\n`);
  await pool.end();
  cache.lock();
}
