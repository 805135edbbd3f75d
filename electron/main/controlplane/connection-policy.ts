import { ArxFailure } from '../../../shared/contract';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[?::1\]?)$/i;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  /** true when TLS with verify-full against the configured CA is required. */
  verifyFull: boolean;
}

/**
 * Decides whether a control-plane URL may be used. A non-loopback server must be reached with
 * TLS `sslmode=verify-full` and a CA file: plaintext or unverified TLS there is refused, because
 * the console's whole job is trusting what the control plane says only as far as it can check.
 */
export function checkConnectionSecurity(url: string, caFile: string | null): ConnectionTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ArxFailure('CONFIG_INVALID', 'ARX_DATABASE_URL is not a valid postgres:// URL.', {
      variable: 'ARX_DATABASE_URL',
    });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ArxFailure('CONFIG_INVALID', `ARX_DATABASE_URL must start with postgres://; got ${u.protocol}//.`, {
      variable: 'ARX_DATABASE_URL',
    });
  }
  const host = u.hostname;
  const sslmode = u.searchParams.get('sslmode');
  const target: ConnectionTarget = {
    host,
    port: u.port ? Number(u.port) : 5432,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'arx',
    user: decodeURIComponent(u.username),
    verifyFull: sslmode === 'verify-full',
  };
  if (isLoopbackHost(host) && sslmode !== 'verify-full') return target;
  if (sslmode !== 'verify-full') {
    throw new ArxFailure(
      'DB_TLS_REQUIRED',
      `Refusing to connect to ${host}: a control plane that is not on this machine needs sslmode=verify-full (got ${sslmode ?? 'no sslmode'}).`,
      { host },
    );
  }
  if (!caFile) {
    throw new ArxFailure(
      'DB_TLS_REQUIRED',
      `Refusing to connect to ${host}: sslmode=verify-full needs a CA file (ARX_DATABASE_CA).`,
      {
        host,
      },
    );
  }
  return target;
}
