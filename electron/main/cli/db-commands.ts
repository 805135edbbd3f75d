import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { loadConfig } from '../config/config';
import { checkConnectionSecurity } from '../controlplane/connection-policy';
import { ControlPlane } from '../controlplane/control-plane';
import { migrate, schemaVersion } from '../controlplane/migrate';
import { MIGRATIONS } from '../controlplane/migrations';
import { EXIT_OK, type CliCommand } from './cli-command';

/**
 * `arx db migrate`: applies pending migrations. On the embedded default this happens at every
 * start anyway; on an on-prem database only when an operator runs this, with a role allowed to
 * change the schema (ARX_DATABASE_URL), under the same TLS rules as the console.
 */
export const dbMigrate: CliCommand = {
  name: ['db', 'migrate'],
  summary: 'Apply pending control-plane schema migrations (forward only).',
  usage: 'arx db migrate [--json]',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
    const config = loadConfig(io.env);
    let report: { from: number; to: number; applied: { version: number; name: string }[] };
    if (config.controlPlane.mode === 'embedded' && !io.env.ARX_ADMIN_DATABASE_URL) {
      const cp = new ControlPlane(
        config,
        () => {},
        () => {},
      );
      try {
        await cp.start(); // migrates the embedded database
        const c = await cp.requireAdminPool().connect();
        try {
          const v = await schemaVersion(c);
          report = { from: v, to: v, applied: [] };
        } finally {
          c.release();
        }
      } finally {
        await cp.stop();
      }
    } else {
      // The DBA's URL when given (changing the schema is the DBA's job), else the configured one.
      const url = io.env.ARX_ADMIN_DATABASE_URL ?? config.controlPlane.url;
      if (!url)
        throw new ArxFailure(
          'DB_NOT_CONFIGURED',
          'Set ARX_ADMIN_DATABASE_URL (or ARX_DATABASE_URL) to the control-plane database to migrate.',
        );
      const client = new pg.Client(clientConfig(url, config.controlPlane.caFile));
      const target = checkConnectionSecurity(url, config.controlPlane.caFile);
      try {
        await client.connect();
      } catch (err) {
        throw new ArxFailure('DB_UNREACHABLE', `Cannot reach ${target.host}:${target.port}: ${(err as Error).message}`);
      }
      try {
        report = await migrate(client);
      } finally {
        await client.end().catch(() => {});
      }
    }
    if (values.json) io.out(JSON.stringify({ ...report, latest: MIGRATIONS.length }, null, 2));
    else if (report.applied.length === 0) io.out(`Schema is up to date (version ${report.to}).`);
    else
      io.out(
        `Migrated from version ${report.from} to ${report.to}: ${report.applied.map((a) => `${a.version} ${a.name}`).join(', ')}.`,
      );
    return EXIT_OK;
  },
};

/** A client for a control-plane URL under the console's TLS rules (verify-full against ARX_DATABASE_CA off this machine). */
export function clientConfig(url: string, caFile: string | null): pg.ClientConfig {
  const target = checkConnectionSecurity(url, caFile);
  const u = new URL(url);
  u.search = '';
  return {
    connectionString: u.toString(),
    ssl: target.verifyFull
      ? {
          ca: readFileSync(caFile!, 'utf8'),
          rejectUnauthorized: true,
          servername: isIP(target.host) ? undefined : target.host,
        }
      : false,
  };
}
