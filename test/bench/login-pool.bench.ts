/**
 * Login to a usable operator pool with SoftHSM2 test cards, through the console's registry as the
 * window and the CLI do (`card.login`): PIN (C_Login), proof of possession with the PIV
 * Authentication key, certificate validation, the wrap read with the bootstrap login, the unwrap on
 * the card (ECDH for EC, RSA-OAEP for RSA), a new pool as the operator's own role and its first
 * query, the operator lookup on it and the session event. Median of ARX_BENCH_RUNS (default 20)
 * per card; goal < 400 ms. The card login alone (CardService.login) is printed beside it.
 *
 *   npm run bench -- login-pool
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CardService } from '../../electron/main/card/card-service';
import { provisionTestCards, registerTestOperators, TEST_CARDS } from '../../electron/main/card/test-cards';
import { createConsoleServices } from '../../electron/main/composition/console-services';
import { loadConfig } from '../../electron/main/config/config';
import { startEmbeddedPostgres } from '../../electron/main/controlplane/embedded';
import { migrate } from '../../electron/main/controlplane/migrate';
import { createLoginRole } from '../../electron/main/controlplane/tenant-session';
import { ConsoleSession } from '../../electron/main/core/registry';

const RUNS = Number(process.env.ARX_BENCH_RUNS ?? 20);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'arx-login-bench-'));
  const server = await startEmbeddedPostgres(join(dir, 'pg-data'));
  const at = { host: server.host, port: server.port, database: server.database };
  const admin = new pg.Pool({ ...at, user: server.user, password: server.password, max: 2 });
  admin.on('error', () => {});
  try {
    const c = await admin.connect();
    await migrate(c);
    const bootPw = randomBytes(18).toString('base64url');
    await createLoginRole(c, 'bench_bootstrap', bootPw, 'arx_bootstrap');
    c.release();
    const tenant = randomUUID();
    await admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, 'bench-login', 'bench')`, [tenant]);
    const cards = await provisionTestCards(join(dir, 'cards'), { specs: TEST_CARDS.filter((s) => s.expect === null) });
    await registerTestOperators(admin, cards, [tenant]);
    process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
    const config = loadConfig({
      HOME: '/tmp',
      ARX_DATA_DIR: join(dir, 'console'),
      ARX_DATABASE_URL: `postgres://bench_bootstrap:${bootPw}@${at.host}:${at.port}/${at.database}`,
      ARX_PKCS11_MODULE: cards.module,
      ARX_TRUST_ANCHORS: cards.trustAnchors,
      ARX_INTERMEDIATES: cards.intermediates,
      ARX_CRLS: cards.crls,
      ARX_POLICY_ARCS: cards.policyArc,
    });
    const services = createConsoleServices(config);
    await services.start();
    const session = new ConsoleSession();
    session.consentAcknowledgedAt = new Date();
    const call = async (name: string, req: unknown) => {
      const r = await services.registry.invoke(name, req, { adapter: 'test', session });
      if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
      return r.value as Record<string, unknown>;
    };
    try {
      const { readers } = (await call('card.readers', {})) as { readers: { slot: string; tokenLabel: string }[] };
      for (const card of cards.cards) {
        const slot = readers.find((r) => r.tokenLabel === card.label)!.slot;
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t0 = performance.now();
          await call('card.login', { slot, certificateId: null, pin: card.pin, confirmFinalTry: false });
          await services.controlPlane.requirePool().query('SELECT 1');
          times.push(performance.now() - t0);
          await call('card.logout', {});
        }
        console.log(
          `login to an operator pool, ${card.keyType.toUpperCase()} (${card.label}): median ${median(times).toFixed(1)} ms, ` +
            `min ${Math.min(...times).toFixed(1)} ms (goal < 400 ms)`,
        );
      }
    } finally {
      await services.stop();
    }
    // The card login alone, for comparison (its own bench: card).
    const service = await CardService.open({ modulePath: cards.module });
    try {
      const slots = await service.listSlots();
      for (const card of cards.cards) {
        const slot = slots.find((s) => s.token?.label === card.label)!.slot;
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t0 = performance.now();
          const s = await service.login(slot, new TextEncoder().encode(card.pin));
          times.push(performance.now() - t0);
          await s.logout();
        }
        console.log(`card login only, ${card.keyType.toUpperCase()}: median ${median(times).toFixed(1)} ms`);
      }
    } finally {
      await service.close();
    }
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await admin.end().catch(() => {});
    await server.stop();
    rmSync(server.clusterDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
