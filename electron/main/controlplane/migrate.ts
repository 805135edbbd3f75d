import { createHash } from 'node:crypto';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { MIGRATIONS, type Migration } from './migrations';

/** Serialises concurrent `arx db migrate` runs (an arbitrary constant: "ARXMIGR" in ASCII). */
const MIGRATION_LOCK = 0x4152584d494752n;

export const checksum = (m: Migration) => createHash('sha256').update(m.sql).digest('hex');

export interface MigrationReport {
  from: number;
  to: number;
  applied: { version: number; name: string }[];
}

/**
 * Applies the pending migrations in order, each in its own transaction, under an advisory lock.
 * Refuses to run when an applied migration's checksum differs from the shipped one, or when the
 * database is newer than this console (forward-only: no downgrades).
 */
export async function migrate(
  client: pg.ClientBase,
  opts: { target?: number; migrations?: readonly Migration[] } = {},
): Promise<MigrationReport> {
  const migrations = opts.migrations ?? MIGRATIONS;
  const target = opts.target ?? migrations[migrations.length - 1]!.version;
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS public.arx_schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM public.arx_schema_migrations ORDER BY version',
    );
    const from = rows.length ? rows[rows.length - 1]!.version : 0;
    const known = new Map(migrations.map((m) => [m.version, m]));
    for (const r of rows) {
      const m = known.get(r.version);
      if (!m) {
        throw new ArxFailure(
          'DB_MIGRATION_FAILED',
          `The database is at schema version ${from}, newer than this console knows (${migrations.length}).`,
          {
            version: r.version,
          },
        );
      }
      if (checksum(m) !== r.checksum) {
        throw new ArxFailure(
          'DB_MIGRATION_FAILED',
          `Migration ${r.version} (${r.name}) differs from the one applied to this database.`,
          {
            version: r.version,
          },
        );
      }
    }
    // A known migration below the newest applied one that this database never got (a number
    // registered out of order) would otherwise be skipped for ever: refuse instead of guessing.
    const have = new Set(rows.map((r) => r.version));
    const skipped = migrations.find((m) => m.version < from && !have.has(m.version));
    if (skipped) {
      throw new ArxFailure(
        'DB_MIGRATION_FAILED',
        `Migration ${skipped.version} (${skipped.name}) was never applied to this database, which is already at schema version ${from}: it cannot be applied out of order.`,
        { version: skipped.version },
      );
    }
    const applied: MigrationReport['applied'] = [];
    for (const m of migrations) {
      if (m.version <= from || m.version > target) continue;
      try {
        await client.query('BEGIN');
        await client.query(m.sql);
        await client.query('INSERT INTO public.arx_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          checksum(m),
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw new ArxFailure(
          'DB_MIGRATION_FAILED',
          `Migration ${m.version} (${m.name}) failed: ${(err as Error).message}`,
          { version: m.version },
        );
      }
      applied.push({ version: m.version, name: m.name });
    }
    return { from, to: applied.length ? applied[applied.length - 1]!.version : from, applied };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]).catch(() => {});
  }
}

export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const exists = await client.query(`SELECT to_regclass('public.arx_schema_migrations') IS NOT NULL AS e`);
  if (!exists.rows[0].e) return 0;
  const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM public.arx_schema_migrations');
  return r.rows[0]?.v ?? 0;
}
