import { parseArgs } from 'node:util';
import pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { bootstrapControlPlane, type BootstrapReport } from '../administration/bootstrap';
import { enrolmentCard, readCertificateFile, type EnrolmentCard } from '../administration/card-certificates';
import { enrolCardLogin } from '../administration/login-enrolment';
import { loadConfig, type ArxConfig } from '../config/config';
import { migrate } from '../controlplane/migrate';
import { loadTrustStore } from '../pki/trust-store';
import { EXIT_OK, type CliCommand } from './cli-command';
import { clientConfig } from './db-commands';

/** The DBA's URL: never the console's (a workstation never holds a credential that may create roles). */
export function adminDatabaseUrl(env: NodeJS.ProcessEnv): string {
  const url = env.ARX_ADMIN_DATABASE_URL;
  if (!url)
    throw new ArxFailure('DB_NOT_CONFIGURED', 'Set ARX_ADMIN_DATABASE_URL to the DBA’s URL of the control plane.', {
      variable: 'ARX_ADMIN_DATABASE_URL',
    });
  if (env.ARX_DATABASE_URL && env.ARX_DATABASE_URL === url)
    throw new ArxFailure('CONFIG_INVALID', 'ARX_ADMIN_DATABASE_URL must be the DBA’s URL, not the console’s.', {
      variable: 'ARX_ADMIN_DATABASE_URL',
    });
  return url;
}

async function validatedCards(config: ArxConfig, files: readonly string[]): Promise<EnrolmentCard[]> {
  const { trustAnchors, intermediates, crls, policyArcs, staleCrl } = config.card;
  if (!trustAnchors)
    throw new ArxFailure('CONFIG_INVALID', 'Set ARX_TRUST_ANCHORS: certificates are enrolled only if they validate.', {
      variable: 'ARX_TRUST_ANCHORS',
    });
  const store = loadTrustStore({
    anchors: trustAnchors,
    intermediates: intermediates ?? undefined,
    crls: crls ?? undefined,
  });
  const cards: EnrolmentCard[] = [];
  for (const f of files) cards.push(await enrolmentCard(readCertificateFile(f), store, { policyArcs, staleCrl }, f));
  return cards;
}

/** The card files validated first, then the DBA's own pool (ARX_ADMIN_DATABASE_URL) for `fn`, ended after. */
async function withDbaPool<T>(
  env: NodeJS.ProcessEnv,
  files: readonly string[],
  fn: (pool: pg.Pool, cards: EnrolmentCard[]) => Promise<T>,
): Promise<T> {
  const url = adminDatabaseUrl(env);
  const config = loadConfig(env);
  const cards = await validatedCards(config, files);
  const pool = new pg.Pool({ ...clientConfig(url, config.controlPlane.caFile), max: 2 });
  pool.on('error', () => {});
  try {
    return await fn(pool, cards);
  } finally {
    await pool.end().catch(() => {});
  }
}

/**
 * `arx db bootstrap`: migrations, then the first administrators of an empty control plane from
 * their card certificate files (each file: the card's PIV Authentication, Digital Signature and
 * Key Management certificates, PEM), and any further operators (`--cert`, no role) in the same
 * append. Run by the DBA with ARX_ADMIN_DATABASE_URL; after it, enrolment is an administrator's.
 */
export const dbBootstrap: CliCommand = {
  name: ['db', 'bootstrap'],
  summary: 'Migrate an empty control plane and enrol its first administrators and operators (DBA only).',
  usage: 'arx db bootstrap --admin-cert FILE [--admin-cert FILE] [--cert FILE …] [--json]',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        'admin-cert': { type: 'string', multiple: true },
        cert: { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    const files = values['admin-cert'] ?? [];
    if (files.length === 0) throw new ArxFailure('INVALID_REQUEST', 'Name at least one --admin-cert FILE.');
    const others = values.cert ?? [];
    const report: BootstrapReport = await withDbaPool(io.env, [...files, ...others], async (pool, cards) => {
      const c = await pool.connect().catch((err: Error) => {
        throw new ArxFailure('DB_UNREACHABLE', `Cannot reach the control plane: ${err.message}`);
      });
      try {
        await migrate(c);
      } finally {
        c.release();
      }
      return bootstrapControlPlane(pool, cards.slice(0, files.length), enrolCardLogin, cards.slice(files.length));
    });
    if (values.json) io.out(JSON.stringify(report, null, 2));
    else {
      io.out(`Control plane bootstrapped: system tenant ${report.systemTenant.slug} (${report.systemTenant.id}).`);
      for (const a of report.administrators)
        io.out(`Administrator ${a.displayName} (EDIPI ${a.edipi}): operator ${a.operatorId}, login ${a.loginRole}.`);
      for (const a of report.operators)
        io.out(
          `Enrolled ${a.displayName} (EDIPI ${a.edipi}), no role: operator ${a.operatorId}, login ${a.loginRole}.`,
        );
    }
    return EXIT_OK;
  },
};
