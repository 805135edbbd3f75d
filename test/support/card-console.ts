import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { ProvisionedTestCards } from '../../electron/main/card/test-cards';
import { loadConfig, type ArxConfig } from '../../electron/main/config/config';
import { createConsoleServices, type ConsoleServices } from '../../electron/main/composition/console-services';
import { ConsoleSession } from '../../electron/main/core/registry';
import { createLoginRole } from '../../electron/main/controlplane/tenant-session';
import type { MigratedDatabase } from './pg';

export interface CardConsole {
  services: ConsoleServices;
  config: ArxConfig;
  /** The environment the console was configured from (e.g. to run `arx` as a subprocess against the same database and cards). */
  env: Record<string, string>;
}

/**
 * The console as an operator runs it, on a migrated test database (given only a bootstrap login,
 * bootstrap_<suffix>, with a fresh password: operators log in as their own roles with their cards) with SoftHSM2 test cards as the card module, their trust
 * anchors, intermediates, CRLs and policy arc; started. `prefix` names its temporary data
 * directory; `overrides` replace or add environment entries (e.g. ARX_DATA_DIR). The caller stops
 * it (`services.stop()`) before dropping the database.
 */
export async function startCardConsole(
  db: Pick<MigratedDatabase, 'name' | 'admin'>,
  cards: ProvisionedTestCards,
  prefix: string,
  overrides: Record<string, string> = {},
  /** The port the console reaches PostgreSQL on (e.g. a relay the test can cut); the test server's by default. */
  port = inject('pg').port,
  /** Receives the console's log lines. */
  log: (line: string) => void = () => {},
): Promise<CardConsole> {
  // SoftHSM2 reads its configuration from the environment of the process that loads it.
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  // The console holds only the bootstrap login; each operator's own login is unwrapped by their card.
  const env = await workstationEnv(
    db,
    cards,
    {
      HOME: '/tmp',
      ARX_DATA_DIR: overrides.ARX_DATA_DIR ?? mkdtempSync(join(tmpdir(), `arx-${prefix}-`)),
      ...overrides,
    },
    port,
  );
  const config = loadConfig(env);
  const services = createConsoleServices(config, log);
  try {
    await services.start();
  } catch (err) {
    // The caller never gets `services` to stop: release what did start (card worker, pools).
    await services.stop().catch(() => {});
    throw err;
  }
  return { services, config, env };
}

type Result<T> =
  { ok: true; value: T } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

/** Commands as one session of the console answers them: `invoke` the envelope, `call` the value (an error thrown with its code), `failure` the error (throws if it answered). */
export interface ConsoleCaller {
  session: ConsoleSession;
  invoke<T = Record<string, unknown>>(name: string, req: unknown): Promise<Result<T>>;
  call<T = Record<string, unknown>>(name: string, req: unknown): Promise<T>;
  failure(name: string, req: unknown): Promise<{ code: string; message: string; details?: Record<string, unknown> }>;
}

/** A consented session on the console `services()` returns at the time of each call (tests restart consoles). */
export function consoleCaller(services: () => ConsoleServices, adapter: 'test' | 'cli' = 'test'): ConsoleCaller {
  const session = new ConsoleSession();
  session.consentAcknowledgedAt = new Date();
  const invoke = <T>(name: string, req: unknown) =>
    services().registry.invoke(name, req, { adapter, session }) as Promise<Result<T>>;
  return {
    session,
    invoke,
    async call<T>(name: string, req: unknown): Promise<T> {
      const r = await invoke<T>(name, req);
      if (!r.ok) throw Object.assign(new Error(`${name}: ${r.error.code} ${r.error.message}`), { code: r.error.code });
      return r.value;
    },
    async failure(name: string, req: unknown) {
      const r = await invoke(name, req);
      if (r.ok) throw new Error(`${name} answered instead of failing`);
      return r.error;
    },
  };
}

/** Logs in with the test card labelled `label` (logging out whoever was in), as an operator does: pick its reader, type the PIN. */
export async function loginCard(c: Pick<ConsoleCaller, 'call'>, label: string, pin = '123456'): Promise<void> {
  await c.call('card.logout', {});
  const { readers } = await c.call<{ readers: { slot: string; tokenLabel: string | null }[] }>('card.readers', {});
  const reader = readers.find((r) => r.tokenLabel === label);
  if (!reader)
    throw new Error(`no reader holds the card ${label} (readers: ${readers.map((r) => r.tokenLabel).join(', ')})`);
  await c.call('card.login', { slot: reader.slot, certificateId: null, pin, confirmFinalTry: false });
}

/** The encrypted cache opens with the card on login, asynchronously: waits (up to 20 s) until it is unlocked. */
export async function cacheUnlocked(c: Pick<ConsoleCaller, 'call'>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const { state } = await c.call<{ state: string }>('cache.status', {});
    if (state === 'unlocked') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the cache did not open with the card');
}

/**
 * A workstation's environment for the test cards and database: a fresh bootstrap login
 * (bootstrap_<suffix>, the only database credential a workstation holds), the cards' module,
 * trust anchors, intermediates, CRLs and policy arc; `extra` adds or replaces entries.
 */
export async function workstationEnv(
  db: Pick<MigratedDatabase, 'name' | 'admin'>,
  cards: ProvisionedTestCards,
  extra: Record<string, string>,
  port = inject('pg').port,
): Promise<Record<string, string>> {
  const suffix = db.name.slice(-12);
  const pw = randomBytes(18).toString('base64url');
  await createLoginRole(db.admin, `bootstrap_${suffix}`, pw, 'arx_bootstrap');
  return {
    ARX_DATABASE_URL: `postgres://bootstrap_${suffix}:${pw}@127.0.0.1:${port}/${db.name}`,
    ARX_PKCS11_MODULE: cards.module,
    ARX_TRUST_ANCHORS: cards.trustAnchors,
    ARX_INTERMEDIATES: cards.intermediates,
    ARX_CRLS: cards.crls,
    ARX_POLICY_ARCS: cards.policyArc,
    ...extra,
  };
}
