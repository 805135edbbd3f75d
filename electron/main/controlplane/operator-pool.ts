import pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { connectedRole } from './repos/operator-logins';

/** Where operator pools connect: the bootstrap connection's server, database and TLS. */
export interface ServerTarget {
  host: string;
  port: number;
  database: string;
  ssl: pg.PoolConfig['ssl'];
}

/** PostgreSQL's "password authentication failed" and "role is not permitted to log in". */
const REFUSED_LOGIN = new Set(['28P01', '28000']);

/**
 * A pool that logs in as one operator's own login role, with the password the card unwrapped. The
 * password's bytes live only here and are wiped when the pool ends (lock, logout, card removal).
 * pg asks for the password at each new connection; after the wipe there is none to give.
 */
export class OperatorPool {
  private constructor(
    readonly pool: pg.Pool,
    readonly role: string,
    private readonly password: Buffer,
  ) {}

  /** Opens the pool and runs its first query: the connection must be the operator's role. */
  static async open(
    at: ServerTarget,
    role: string,
    password: Buffer,
    log: (line: string) => void,
  ): Promise<OperatorPool> {
    let live = true;
    const pool = new pg.Pool({
      host: at.host,
      port: at.port,
      database: at.database,
      ssl: at.ssl,
      user: role,
      password: () => {
        if (!live) throw new ArxFailure('SESSION_REQUIRED', 'The operator session has ended.');
        return password.toString('ascii');
      },
      max: 8,
      connectionTimeoutMillis: 10_000,
    });
    const op = new OperatorPool(pool, role, password);
    op.stop = () => (live = false);
    pool.on('error', (err) => log(`operator pool error: ${err.message}`));
    pool.on('connect', (client) => client.on('error', (err) => log(`operator connection lost: ${err.message}`)));
    try {
      const who = await connectedRole(pool);
      if (who !== role)
        throw new ArxFailure('OPERATOR_DB_LOGIN_FAILED', `The database connected as ${who}, not as ${role}.`);
      return op;
    } catch (err) {
      await op.end();
      if (err instanceof ArxFailure) throw err;
      const code = (err as { code?: string }).code;
      if (code && REFUSED_LOGIN.has(code))
        throw new ArxFailure(
          'OPERATOR_DB_LOGIN_FAILED',
          'The control plane refused your database login (disabled, or the credential was rotated): ask an administrator.',
          { role },
        );
      throw new ArxFailure('DB_UNREACHABLE', `The control-plane database is unreachable: ${(err as Error).message}`);
    }
  }

  private stop: () => void = () => {};

  /** Ends every connection and wipes the password. */
  async end(): Promise<void> {
    this.stop();
    this.password.fill(0);
    await this.pool.end().catch(() => {});
  }

  /** Whether the password's bytes are wiped (they are once the pool ended). */
  get wiped(): boolean {
    return this.password.every((b) => b === 0);
  }
}
