import { readFileSync } from 'node:fs';
import pg from 'pg';
import { ArxFailure, type Status } from '../../../shared/contract';
import type { ArxConfig } from '../config/config';
import { checkConnectionSecurity } from './connection-policy';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded';
import { migrate } from './migrate';
import { OperatorPool, type ServerTarget } from './operator-pool';
import { createLoginRole } from './tenant-session';
import { HealthSchedule, nextCheckDelayMs } from './reconnect';

/** Login roles of the embedded default; on-prem deployments create their own (docs/control-plane.md). */
export const EMBEDDED_BOOTSTRAP_ROLE = 'arx_bootstrap_app';
export const EMBEDDED_GATEWAY_ROLE = 'arx_gateway_app';
/** The shared console login of earlier versions: it may no longer log in. */
const RETIRED_CONSOLE_ROLE = 'arx_console_app';

type CpStatus = Status['controlPlane'];

/**
 * The connection to the control-plane database: the embedded default, an on-prem server, or none.
 * It reports its state honestly ("not connected" is never dressed up as an empty result). Before a
 * card login it holds only the bootstrap credential (the health check, and the wrapped credential
 * of one EDIPI); after it, the operator's own pool, which every operator-facing service uses.
 */
export class ControlPlane {
  /** The bootstrap login (arx_bootstrap): health checks and arx.login_wrap only. */
  private pool: pg.Pool | null = null;
  private target: ServerTarget | null = null;
  private operator: OperatorPool | null = null;
  private operatorEnded: 'locked' | 'none' = 'none';
  private readonly health: HealthSchedule;
  /** Health checks failed in a row: the next one waits longer (reconnect.ts). */
  private failures = 0;
  private adminPool: pg.Pool | null = null;
  private gatewayPool: pg.Pool | null = null;
  private embedded: EmbeddedServer | null = null;
  private current: CpStatus;

  constructor(
    private readonly config: ArxConfig,
    private readonly onStatus: (s: CpStatus) => void = () => {},
    private readonly log: (line: string) => void = () => {},
    private readonly healthIntervalMs = 3000,
    private readonly maxBackoffMs = 60_000,
  ) {
    this.health = new HealthSchedule(
      () => this.ping(),
      () => nextCheckDelayMs(this.failures, this.healthIntervalMs, this.maxBackoffMs),
    );
    this.current = {
      state: 'not-connected',
      mode: config.controlPlane.mode,
      detail: config.controlPlane.mode === 'none' ? 'No control plane configured' : 'Not connected',
    };
  }

  status(): CpStatus {
    return this.current;
  }

  private set(s: CpStatus): void {
    this.current = s;
    this.onStatus(s);
  }

  async start(): Promise<void> {
    const { mode } = this.config.controlPlane;
    if (mode === 'none') return;
    this.set({
      state: 'starting',
      mode,
      detail: mode === 'embedded' ? 'Starting the embedded database' : 'Connecting',
    });
    try {
      const pool = mode === 'embedded' ? await this.startEmbedded() : this.connectExternal();
      this.listenForErrors(mode, pool);
      await pool.query('SELECT 1');
      this.set({ state: 'connected', mode, detail: this.describe() });
      this.health.start();
    } catch (err) {
      const f =
        err instanceof ArxFailure
          ? err
          : new ArxFailure('DB_UNREACHABLE', `The control-plane database is unreachable: ${(err as Error).message}`);
      // A server that is not up yet is found by the health checks once it is: no restart needed.
      if (this.pool && f.code === 'DB_UNREACHABLE') {
        this.failures = 1;
        this.health.start();
      }
      this.set(this.unreachable(f.message));
      throw f;
    }
  }

  /**
   * Migrations run automatically only here, on the embedded default, as its admin. The console
   * itself then connects as a role that row-level security binds.
   */
  private async startEmbedded(): Promise<pg.Pool> {
    this.embedded = await startEmbeddedPostgres(this.config.dataDir, this.log);
    const e = this.embedded;
    const at = { host: e.host, port: e.port, database: e.database };
    this.adminPool = new pg.Pool({ ...at, user: e.user, password: e.password, max: 2 });
    const admin = await this.adminPool.connect();
    try {
      await migrate(admin);
      await createLoginRole(admin, EMBEDDED_BOOTSTRAP_ROLE, e.bootstrapPassword, 'arx_bootstrap');
      await createLoginRole(admin, EMBEDDED_GATEWAY_ROLE, e.gatewayPassword, 'arx_gateway');
      await admin.query(`DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RETIRED_CONSOLE_ROLE}') THEN
          ALTER ROLE ${RETIRED_CONSOLE_ROLE} NOLOGIN;
        END IF;
      END $$`);
    } finally {
      admin.release();
    }
    this.target = { ...at, ssl: false };
    this.pool = new pg.Pool({ ...at, user: EMBEDDED_BOOTSTRAP_ROLE, password: e.bootstrapPassword, max: 2 });
    this.gatewayPool = new pg.Pool({ ...at, user: EMBEDDED_GATEWAY_ROLE, password: e.gatewayPassword, max: 8 });
    return this.pool;
  }

  private connectExternal(): pg.Pool {
    const url = this.config.controlPlane.url;
    if (!url)
      throw new ArxFailure('DB_NOT_CONFIGURED', 'Control-plane mode is external but ARX_DATABASE_URL is not set.');
    const target = checkConnectionSecurity(url, this.config.controlPlane.caFile);
    const ssl = target.verifyFull
      ? {
          ca: readFileSync(this.config.controlPlane.caFile!, 'utf8'),
          rejectUnauthorized: true,
          servername: target.host,
        }
      : false;
    const parsed = new URL(url);
    parsed.search = '';
    // The configured URL is the bootstrap login; operators reach the same server and database.
    this.target = { host: target.host, port: target.port, database: target.database, ssl };
    this.pool = new pg.Pool({ connectionString: parsed.toString(), ssl, max: 2 });
    return this.pool;
  }

  private listenForErrors(mode: CpStatus['mode'], pool: pg.Pool): void {
    // An idle client's error (the server restarting, an admin terminating it) must not crash the
    // process: pg-pool drops that client, and the next query reconnects or reports DB_UNREACHABLE.
    for (const p of [this.adminPool, this.gatewayPool])
      p?.on('error', (err) => this.log(`control-plane pool error: ${err.message}`));
    // A CHECKED-OUT client has no pool listener: if its connection dies between two queries (a
    // transaction waiting on other work, a COPY consumer), pg emits 'error' on the client and,
    // with nobody listening, the process dies of an uncaught exception. Every client gets a
    // listener from birth; the query in progress still fails, and the pool discards the client.
    for (const p of [this.pool, this.adminPool, this.gatewayPool]) {
      p?.on('connect', (client) =>
        client.on('error', (err) => this.log(`control-plane connection lost: ${err.message}`)),
      );
    }
    pool.on('error', (err) => {
      this.log(`control-plane pool error: ${err.message}`);
      this.set({ state: 'unreachable', mode, detail: 'The control-plane database stopped answering' });
    });
  }

  /**
   * Checks the connection: a lost server turns the state to unreachable (DB_UNREACHABLE for every
   * caller, never an empty result), and its return turns it back to connected. pg-pool replaces
   * broken clients by itself; this only tells the truth about it.
   */
  async ping(): Promise<boolean> {
    const pool = this.pool;
    if (!pool) return false;
    const mode = this.config.controlPlane.mode;
    try {
      await pool.query('SELECT 1');
      this.failures = 0;
      if (this.current.state !== 'connected') this.set({ state: 'connected', mode, detail: this.describe() });
      return true;
    } catch (err) {
      this.failures += 1;
      // Every failed check is published: the status bar shows the attempt and the next check.
      this.set(this.unreachable(`The control-plane database is not answering (${(err as Error).message})`));
      return false;
    }
  }

  /** Checks now (Retry now), then carries on with the schedule from the result. */
  async retryNow(): Promise<boolean> {
    const ok = await this.ping();
    this.health.rearm();
    if (!ok) this.set(this.unreachable(this.current.detail));
    return ok;
  }

  private unreachable(detail: string): CpStatus {
    const delay = nextCheckDelayMs(this.failures, this.healthIntervalMs, this.maxBackoffMs);
    return {
      state: 'unreachable',
      mode: this.config.controlPlane.mode,
      detail,
      ...(this.pool
        ? { reconnect: { failedChecks: this.failures, nextCheckAt: new Date(Date.now() + delay).toISOString() } }
        : {}),
    };
  }

  /** Adds a note to the connected state's detail (e.g. demo seeding progress); null clears it. */
  annotate(note: string | null): void {
    if (this.current.state !== 'connected') return;
    const base = this.describe();
    this.set({ ...this.current, detail: note ? `${base} · ${note}` : base });
  }

  private describe(): string {
    if (this.embedded) return `Embedded PostgreSQL on 127.0.0.1:${this.embedded.port}`;
    const url = this.config.controlPlane.url;
    if (!url) return 'Connected';
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}/${u.pathname.replace(/^\//, '')}`;
  }

  /**
   * The logged-in operator's pool (their own login role), or DB_UNREACHABLE / DB_NOT_CONFIGURED,
   * then SESSION_REQUIRED (details.locked when the session is locked): callers never get an empty
   * answer, and nothing runs as anyone but the operator.
   */
  requirePool(): pg.Pool {
    this.requireBootstrapPool();
    if (this.operator) return this.operator.pool;
    const locked = this.operatorEnded === 'locked';
    throw new ArxFailure(
      'SESSION_REQUIRED',
      locked
        ? 'The console is locked: unlock it with your card to reach the control plane.'
        : 'Log in with your card to reach the control plane.',
      { locked },
    );
  }

  /** The bootstrap pool (arx.login_wrap before a card login), or DB_UNREACHABLE / DB_NOT_CONFIGURED. */
  requireBootstrapPool(): pg.Pool {
    if (this.pool && this.current.state === 'connected') return this.pool;
    if (this.config.controlPlane.mode === 'none') {
      throw new ArxFailure('DB_NOT_CONFIGURED', 'No control plane is configured.');
    }
    throw new ArxFailure('DB_UNREACHABLE', `The control plane is not connected: ${this.current.detail}`);
  }

  /**
   * Opens the operator's pool with the password the card unwrapped (this takes ownership of its
   * bytes and wipes them when the pool ends) and runs its first query as that role.
   */
  async openOperatorPool(role: string, password: Buffer): Promise<void> {
    this.requireBootstrapPool();
    if (!this.target) throw new ArxFailure('DB_NOT_CONFIGURED', 'No control plane is configured.');
    await this.closeOperatorPool('none');
    this.operator = await OperatorPool.open(this.target, role, password, this.log);
  }

  /** Ends the operator's pool and wipes its password: after lock, logout or card removal. */
  async closeOperatorPool(reason: 'locked' | 'none'): Promise<void> {
    const op = this.operator;
    this.operator = null;
    this.operatorEnded = reason;
    await op?.end();
  }

  /** The login role of the operator pool, while one is open. */
  operatorIdentity(): { role: string } | null {
    return this.operator ? { role: this.operator.role } : null;
  }

  /** The embedded cluster's admin pool (tenants, operators, demo data); elsewhere that is the DBA's job. */
  requireAdminPool(): pg.Pool {
    this.requireBootstrapPool();
    if (!this.adminPool)
      throw new ArxFailure(
        'DB_NOT_CONFIGURED',
        'Administrative changes need the embedded control plane or `arx db` with an admin URL.',
      );
    return this.adminPool;
  }

  /** The admin pool on the embedded default (tenant lookups by slug), undefined elsewhere. */
  adminPoolIfEmbedded(): pg.Pool | undefined {
    return this.adminPool ?? undefined;
  }

  /** A pool as the gateway role (simulator, demo data); embedded default only. */
  requireGatewayPool(): pg.Pool {
    this.requireBootstrapPool();
    if (!this.gatewayPool)
      throw new ArxFailure('DB_NOT_CONFIGURED', 'The gateway role is available on the embedded control plane only.');
    return this.gatewayPool;
  }

  async stop(): Promise<void> {
    this.health.stop();
    await this.closeOperatorPool('none');
    const pools = [this.pool, this.adminPool, this.gatewayPool];
    this.pool = this.adminPool = this.gatewayPool = null;
    await Promise.all(pools.map((p) => p?.end().catch(() => {})));
    if (this.embedded) {
      await this.embedded.stop().catch(() => {});
      this.embedded = null;
    }
    this.set({ state: 'not-connected', mode: this.config.controlPlane.mode, detail: 'Stopped' });
  }
}
