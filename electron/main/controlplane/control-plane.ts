import { readFileSync } from 'node:fs';
import pg from 'pg';
import { ArxFailure, type Status } from '../../../shared/contract';
import type { ArxConfig } from '../config/config';
import { checkConnectionSecurity } from './connection-policy';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded';

type CpStatus = Status['controlPlane'];

/**
 * The connection to the control-plane database: the embedded default, an on-prem server, or none.
 * It reports its state honestly ("not connected" is never dressed up as an empty result) and
 * hands out the pool to the services that query it.
 */
export class ControlPlane {
  private pool: pg.Pool | null = null;
  private embedded: EmbeddedServer | null = null;
  private current: CpStatus;

  constructor(
    private readonly config: ArxConfig,
    private readonly onStatus: (s: CpStatus) => void = () => {},
    private readonly log: (line: string) => void = () => {},
  ) {
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
    this.set({ state: 'starting', mode, detail: mode === 'embedded' ? 'Starting the embedded database' : 'Connecting' });
    try {
      if (mode === 'embedded') {
        this.embedded = await startEmbeddedPostgres(this.config.dataDir, this.log);
        const e = this.embedded;
        this.pool = new pg.Pool({ host: e.host, port: e.port, user: e.user, password: e.password, database: e.database, max: 8 });
      } else {
        const url = this.config.controlPlane.url;
        if (!url) throw new ArxFailure('DB_NOT_CONFIGURED', 'Control-plane mode is external but ARX_DATABASE_URL is not set.');
        const target = checkConnectionSecurity(url, this.config.controlPlane.caFile);
        const ssl = target.verifyFull
          ? { ca: readFileSync(this.config.controlPlane.caFile!, 'utf8'), rejectUnauthorized: true, servername: target.host }
          : false;
        const parsed = new URL(url);
        parsed.search = '';
        this.pool = new pg.Pool({ connectionString: parsed.toString(), ssl, max: 8 });
      }
      this.pool.on('error', (err) => {
        this.log(`control-plane pool error: ${err.message}`);
        this.set({ state: 'unreachable', mode, detail: 'The control-plane database stopped answering' });
      });
      await this.pool.query('SELECT 1');
      this.set({ state: 'connected', mode, detail: this.describe() });
    } catch (err) {
      const f =
        err instanceof ArxFailure
          ? err
          : new ArxFailure('DB_UNREACHABLE', `The control-plane database is unreachable: ${(err as Error).message}`);
      this.set({ state: 'unreachable', mode, detail: f.message });
      throw f;
    }
  }

  private describe(): string {
    if (this.embedded) return `Embedded PostgreSQL on 127.0.0.1:${this.embedded.port}`;
    const url = this.config.controlPlane.url;
    if (!url) return 'Connected';
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}/${u.pathname.replace(/^\//, '')}`;
  }

  /** The pool, or DB_UNREACHABLE / DB_NOT_CONFIGURED: callers never get an empty answer instead. */
  requirePool(): pg.Pool {
    if (this.pool && this.current.state === 'connected') return this.pool;
    if (this.config.controlPlane.mode === 'none') {
      throw new ArxFailure('DB_NOT_CONFIGURED', 'No control plane is configured.');
    }
    throw new ArxFailure('DB_UNREACHABLE', `The control plane is not connected: ${this.current.detail}`);
  }

  async stop(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    if (pool) await pool.end().catch(() => {});
    if (this.embedded) {
      await this.embedded.stop().catch(() => {});
      this.embedded = null;
    }
    this.set({ state: 'not-connected', mode: this.config.controlPlane.mode, detail: 'Stopped' });
  }
}
