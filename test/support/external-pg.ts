import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * An on-prem-shaped PostgreSQL for tests: Debian's own server binaries, a cluster of its own in a
 * temporary directory, on a free loopback port, TLS with a test CA made by openssl, and a
 * pg_hba.conf that accepts nothing but `hostssl … scram-sha-256` (no Unix socket at all). Clients
 * connect with sslmode=verify-full. Run as the `postgres` user when we are root (initdb refuses root).
 */
export const PG_BIN = process.env.ARX_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface ExternalPostgres {
  host: '127.0.0.1';
  port: number;
  /** The cluster's superuser (the DBA in the deployment guide). */
  user: 'postgres';
  password: string;
  /** The test CA that signed the server certificate (the enclave CA in the guide). */
  caFile: string;
  /** Directory the cluster and its certificates live in; removed by stop(). */
  dir: string;
  /** A postgres:// URL for `database` as `user`, verify-full against caFile. */
  url(database: string, user?: string, password?: string): string;
  stop(): Promise<void>;
}

const isRoot = process.getuid?.() === 0;

const postgresIds = (): { uid?: number; gid?: number } =>
  isRoot
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
        gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
      }
    : {};

function asPostgres(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...postgresIds() });
}

function giveToPostgres(path: string): void {
  const { uid, gid } = postgresIds();
  if (uid !== undefined && gid !== undefined) chownSync(path, uid, gid);
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** A test CA and a server certificate for 127.0.0.1 / localhost, both EC P-256, made by openssl. */
export function makeTestTls(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const p = (f: string) => join(dir, f);
  const ossl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  ossl(
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=ARX test enclave CA', '-keyout', p('ca.key'), '-out', p('ca.crt'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ); // prettier-ignore
  ossl(
    'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-subj', '/CN=localhost', '-keyout', p('server.key'), '-out', p('server.csr'),
  ); // prettier-ignore
  writeFileSync(
    p('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n',
  );
  ossl(
    'x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', p('server.ext'), '-out', p('server.crt'),
  ); // prettier-ignore
  chmodSync(p('server.key'), 0o600);
  for (const f of ['ca.crt', 'server.crt', 'server.key']) giveToPostgres(p(f));
  return { caFile: p('ca.crt'), certFile: p('server.crt'), keyFile: p('server.key') };
}

function clusterConfig(port: number, tls: { certFile: string; keyFile: string }): string {
  return [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = ''`,
    `ssl = on`,
    `ssl_cert_file = '${tls.certFile}'`,
    `ssl_key_file = '${tls.keyFile}'`,
    `ssl_min_protocol_version = 'TLSv1.3'`,
    `password_encryption = 'scram-sha-256'`,
    // A test cluster: durability is not what is under test, and the machine is shared.
    `fsync = off`,
    `synchronous_commit = off`,
    `full_page_writes = off`,
    `shared_buffers = 32MB`,
    '',
  ].join('\n');
}

/** The only way in: TLS and SCRAM, from loopback. No local (socket) and no plaintext host lines. */
export const HBA = 'hostssl all all 127.0.0.1/32 scram-sha-256\n';

/**
 * Starts a fresh cluster; throws (leaving no process and no directory behind) when it cannot. The
 * postmaster is our own child (not daemonized by pg_ctl), so it is reaped when it stops and dies
 * with a crashed run's exit handler.
 */
export async function startExternalPostgres(): Promise<ExternalPostgres> {
  if (!existsSync(join(PG_BIN, 'initdb')))
    throw new Error(`PostgreSQL server binaries not found in ${PG_BIN} (apt-get install postgresql)`);
  const dir = mkdtempSync(join(tmpdir(), 'arx-onprem-pg-'));
  giveToPostgres(dir);
  const data = join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  let child: ChildProcess | undefined;
  const kill = () => child?.exitCode === null && child.signalCode === null && child.kill('SIGQUIT');
  process.on('exit', kill); // a crashed test run still leaves no postmaster behind
  const stop = async () => {
    process.off('exit', kill);
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGINT'); // fast shutdown
      const timer = setTimeout(() => child?.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const tls = makeTestTls(dir);
    writeFileSync(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
    giveToPostgres(join(dir, 'pwfile'));
    asPostgres(join(PG_BIN, 'initdb'), [
      ...['-D', data, '-U', 'postgres', '--pwfile', join(dir, 'pwfile'), '-A', 'scram-sha-256'],
      ...['-E', 'UTF8', '--locale', 'C', '--no-sync'],
    ]);
    rmSync(join(dir, 'pwfile'));
    writeFileSync(join(data, 'pg_hba.conf'), HBA);
    giveToPostgres(join(data, 'pg_hba.conf'));
    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await freeLoopbackPort();
      writeFileSync(join(data, 'postgresql.auto.conf'), clusterConfig(port, tls));
      giveToPostgres(join(data, 'postgresql.auto.conf'));
      child = spawn(join(PG_BIN, 'postgres'), ['-D', data], {
        cwd: '/',
        stdio: ['ignore', 'ignore', openSync(join(dir, 'server.log'), 'a')],
        ...postgresIds(),
      });
      if (await ready(child, data)) break;
      if (attempt >= 2) throw new Error(`PostgreSQL did not start: ${serverLog(dir)}`);
    }
    return {
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password,
      caFile: tls.caFile,
      dir,
      url(database, user = 'postgres', pw = password) {
        const q = new URLSearchParams({ sslmode: 'verify-full', sslrootcert: tls.caFile });
        return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${database}?${q}`;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Waits for postmaster.pid to say "ready" (what pg_ctl -w waits for); false when the server exited. */
async function ready(child: ChildProcess, data: string): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const lines = readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n');
      if (lines[7]?.trim() === 'ready' && Number(lines[0]) === child.pid) return true;
    } catch {
      /* not written yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGQUIT');
  return false;
}

function serverLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000);
  } catch {
    return '(no server log)';
  }
}
