import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { ProvisionedTestCards } from '../../electron/main/card/test-cards';
import { loadConfig, type ArxConfig } from '../../electron/main/config/config';
import { createConsoleServices, type ConsoleServices } from '../../electron/main/core/console-services';
import type { MigratedDatabase } from './pg';

export interface CardConsole {
  services: ConsoleServices;
  config: ArxConfig;
  /** The environment the console was configured from (e.g. to run `arx` as a subprocess against the same database and cards). */
  env: Record<string, string>;
}

/**
 * The console as an operator runs it, on a migrated test database (as its console_<suffix> login
 * role, given a fresh password here) with SoftHSM2 test cards as the card module, their trust
 * anchors, intermediates, CRLs and policy arc; started. `prefix` names its temporary data
 * directory; `overrides` replace or add environment entries (e.g. ARX_DATA_DIR). The caller stops
 * it (`services.stop()`) before dropping the database.
 */
export async function startCardConsole(
  db: Pick<MigratedDatabase, 'name' | 'admin'>,
  cards: ProvisionedTestCards,
  prefix: string,
  overrides: Record<string, string> = {},
): Promise<CardConsole> {
  // SoftHSM2 reads its configuration from the environment of the process that loads it.
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  const pg = inject('pg');
  const suffix = db.name.slice(-12);
  const pw = randomBytes(18).toString('base64url');
  await db.admin.query(`ALTER ROLE console_${suffix} PASSWORD '${pw}'`);
  const env: Record<string, string> = {
    HOME: '/tmp',
    ARX_DATA_DIR: overrides.ARX_DATA_DIR ?? mkdtempSync(join(tmpdir(), `arx-${prefix}-`)),
    ARX_DATABASE_URL: `postgres://console_${suffix}:${pw}@127.0.0.1:${pg.port}/${db.name}`,
    ARX_PKCS11_MODULE: cards.module,
    ARX_TRUST_ANCHORS: cards.trustAnchors,
    ARX_INTERMEDIATES: cards.intermediates,
    ARX_CRLS: cards.crls,
    ARX_POLICY_ARCS: cards.policyArc,
    ...overrides,
  };
  const config = loadConfig(env);
  const services = createConsoleServices(config);
  try {
    await services.start();
  } catch (err) {
    // The caller never gets `services` to stop: release what did start (card worker, pools).
    await services.stop().catch(() => {});
    throw err;
  }
  return { services, config, env };
}
