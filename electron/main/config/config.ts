import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ArxFailure, formatPath } from '../../../shared/contract';
import { ClassificationLevelSchema } from '../../../shared/config/classification';
import { DOD_NOTICE_AND_CONSENT } from '../../../shared/config/consent';

export const ConfigFileSchema = z
  .object({
    classification: ClassificationLevelSchema.optional(),
    classificationCaveat: z.string().max(120).optional(),
    consent: z
      .object({ title: z.string().min(1).max(200).optional(), text: z.string().min(1).max(20_000).optional() })
      .strict()
      .optional(),
    dataDir: z.string().min(1).optional(),
    controlPlane: z
      .object({
        mode: z.enum(['embedded', 'external', 'none']).optional(),
        url: z.string().min(1).optional(),
        caFile: z.string().min(1).optional(),
        embeddedPort: z.number().int().min(1024).max(65535).optional(),
      })
      .strict()
      .optional(),
    card: z
      .object({
        module: z.string().min(1).optional(),
        /** Directories of trust anchors, intermediates and CRLs (PEM or DER files). */
        trustAnchors: z.string().min(1).optional(),
        intermediates: z.string().min(1).optional(),
        crls: z.string().min(1).optional(),
        /** Certificate policy arcs a login certificate must assert (default: DoD 2.16.840.1.101.2.1.11). */
        policyArcs: z
          .array(z.string().regex(/^\d+(\.\d+)+$/))
          .min(1)
          .optional(),
        staleCrl: z.enum(['fail', 'warn']).optional(),
      })
      .strict()
      .optional(),
    idleLockMinutes: z.number().int().min(1).max(240).optional(),
    /** The encrypted local cache (docs/cache.md): organisation recovery public key (PEM/DER key or certificate file), size limit of re-fetchable data. */
    cache: z
      .object({
        recoveryPublicKey: z.string().min(1).optional(),
        limitMegabytes: z.number().int().min(1).max(1_000_000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export interface ArxConfig {
  classification: z.infer<typeof ClassificationLevelSchema>;
  classificationCaveat: string;
  consentTitle: string;
  consentText: string;
  dataDir: string;
  configFile: string | null;
  controlPlane: {
    mode: 'embedded' | 'external' | 'none';
    url: string | null;
    caFile: string | null;
    embeddedPort: number;
  };
  card: {
    module: string;
    trustAnchors: string | null;
    intermediates: string | null;
    crls: string | null;
    policyArcs: string[];
    staleCrl: 'fail' | 'warn';
  };
  idleLockMinutes: number;
  /** Absent in hand-built configurations: no recovery key, default limit (electron/main/cache). */
  cache?: { recoveryPublicKey: string | null; limitBytes: number };
}

/** Per-OS default of the PKCS#11 module: OpenSC, which speaks to CAC and PIV cards. */
export function defaultCardModule(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return 'C:\\Windows\\System32\\opensc-pkcs11.dll';
  if (platform === 'darwin') return '/Library/OpenSC/lib/opensc-pkcs11.so';
  return '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
}

/** Where the console keeps its data when nobody says otherwise (XDG on Linux, APPDATA on Windows). */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'ARX Console');
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'arx-console');
}

/** Line and column (1-based) of a character offset, for error locations in config files. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return { line, column };
}

function parseConfigFile(file: string): z.infer<typeof ConfigFileSchema> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ArxFailure('CONFIG_UNREADABLE', `Cannot read the configuration file ${file} (${reason}).`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const loc = m ? lineColumn(text, Number(m[1])) : undefined;
    const where = loc ? `${file}:${loc.line}:${loc.column}` : file;
    throw new ArxFailure('CONFIG_INVALID', `The configuration file ${where} is not valid JSON.`, { file, ...loc });
  }
  const parsed = ConfigFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = formatPath(issue.path);
    throw new ArxFailure('CONFIG_INVALID', `The configuration file ${file} is invalid at ${path}: ${issue.message}`, {
      file,
      path,
    });
  }
  return parsed.data;
}

/**
 * Loads the configuration: built-in defaults, then the file named by ARX_CONFIG (if any), then
 * ARX_* environment variables. Throws ArxFailure with the file and field on bad input.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaults: { dataDir?: string } = {}): ArxConfig {
  const configFile = env.ARX_CONFIG ? resolve(env.ARX_CONFIG) : null;
  const file = configFile ? parseConfigFile(configFile) : {};
  const envLevel = env.ARX_CLASSIFICATION;
  if (envLevel !== undefined && !ClassificationLevelSchema.safeParse(envLevel).success) {
    throw new ArxFailure(
      'CONFIG_INVALID',
      `ARX_CLASSIFICATION must be one of ${ClassificationLevelSchema.options.join(', ')}; got "${envLevel.slice(0, 40)}".`,
      { variable: 'ARX_CLASSIFICATION' },
    );
  }
  const envMode = env.ARX_CONTROL_PLANE;
  if (envMode !== undefined && !['embedded', 'external', 'none'].includes(envMode)) {
    throw new ArxFailure(
      'CONFIG_INVALID',
      `ARX_CONTROL_PLANE must be embedded, external or none; got "${envMode.slice(0, 40)}".`,
      {
        variable: 'ARX_CONTROL_PLANE',
      },
    );
  }
  const url = env.ARX_DATABASE_URL ?? file.controlPlane?.url ?? null;
  const mode =
    (envMode as ArxConfig['controlPlane']['mode'] | undefined) ??
    file.controlPlane?.mode ??
    (url ? 'external' : 'embedded');
  return {
    classification: (envLevel as ArxConfig['classification'] | undefined) ?? file.classification ?? 'UNCLASSIFIED',
    classificationCaveat: file.classificationCaveat ?? '',
    consentTitle: file.consent?.title ?? 'U.S. Government Information System — Notice and Consent',
    consentText: file.consent?.text ?? DOD_NOTICE_AND_CONSENT,
    dataDir: resolve(env.ARX_DATA_DIR ?? file.dataDir ?? defaults.dataDir ?? defaultDataDir(env)),
    configFile,
    controlPlane: {
      mode,
      url,
      caFile: env.ARX_DATABASE_CA ?? file.controlPlane?.caFile ?? null,
      embeddedPort: file.controlPlane?.embeddedPort ?? 54329,
    },
    card: {
      module: env.ARX_PKCS11_MODULE ?? file.card?.module ?? defaultCardModule(),
      trustAnchors: env.ARX_TRUST_ANCHORS ?? file.card?.trustAnchors ?? null,
      intermediates: env.ARX_INTERMEDIATES ?? file.card?.intermediates ?? null,
      crls: env.ARX_CRLS ?? file.card?.crls ?? null,
      policyArcs: env.ARX_POLICY_ARCS
        ? env.ARX_POLICY_ARCS.split(',')
        : (file.card?.policyArcs ?? ['2.16.840.1.101.2.1.11']),
      staleCrl: file.card?.staleCrl ?? 'fail',
    },
    idleLockMinutes: file.idleLockMinutes ?? 15,
    cache: {
      recoveryPublicKey: env.ARX_CACHE_RECOVERY_KEY ?? file.cache?.recoveryPublicKey ?? null,
      limitBytes: (file.cache?.limitMegabytes ?? 512) * 1024 * 1024,
    },
  };
}
