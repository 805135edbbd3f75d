import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { bundleCommands } from '../../../shared/contract/domains/bundle';
import type pg from 'pg';
import type { Blake3 } from '../../../shared/chain';
import { ArxFailure, requireOperator, type OperatorSession } from '../../../shared/contract';
import { loadBlake3 } from '../crypto/blake3';
import { recordBundleExport } from '../controlplane/repos/reviews';
import { stepEventRows } from '../controlplane/step-events';
import { withTenant } from '../controlplane/tenant-session';
import { resolveTenant } from '../controlplane/tenants';
import type { CallContext, Handler } from '../core/registry';
import type { DomainDeps, DomainHandlers } from '../handlers/domain-deps';
import type { TrustStore } from '../pki/trust-store';
import { EvidenceCache } from '../cache/evidence';
import { exportRecipients, sealedSummary } from './envelope/export-sealed';
import { openKemKey } from './envelope/kem-key';
import { cardOpener, recoveryOpener, type EnvelopeOpener } from './envelope/keys';
import { isEncryptedBundle } from './envelope/open';
import { verifyPossiblyEncrypted } from './envelope/verify-encrypted';
import { exportBundle, type ExportResult } from './export';
import { loadGatewayPins } from './gateway-pins';
import { loadBundleTrust } from './trust';
import type { BundleTrust } from './verify';

export const BUNDLE_EXTENSION = '.arxbundle';

/** Where the console keeps exported bundles (and offers them under "Open bundle"). */
export const bundlesDir = (dataDir: string) => join(dataDir, 'bundles');

const consoleSource = () => `/arx/console/${hostname().replace(/[^A-Za-z0-9._-]/g, '-') || 'host'}`;

function timestamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * The trust a bundle is opened with, asked the same way as `arx bundle verify --trust DIR`: the
 * auditor's directory when given, else the configured trust anchors (and gateway-keys.txt there).
 */
function openTrust(deps: DomainDeps, dir: string | null, allowUnpinnedGatewayKeys: boolean): BundleTrust {
  if (dir !== null)
    return loadBundleTrust(
      dir,
      { ARX_POLICY_ARCS: deps.config.card.policyArcs.join(',') },
      { allowUnpinnedGatewayKeys },
    );
  return {
    store: deps.trustStore(),
    policy: { policyArcs: deps.config.card.policyArcs, staleCrl: deps.config.card.staleCrl },
    gatewayPins: loadGatewayPins([deps.config.card.trustAnchors]),
    allowUnpinnedGatewayKeys,
  };
}

/** Handlers for the commands in shared/contract/domains/bundle.ts. */
export function createBundleHandlers(deps: DomainDeps): DomainHandlers<typeof bundleCommands> {
  // A bundle report opened here is sealed in the local cache (cache/evidence.ts),
  // keyed by the file's path, size and modification time. Opening needs no control plane, so
  // it is never answered from the cache: the file is verified each time.
  const evidence = new EvidenceCache(deps);
  return {
    'bundle.export': (req, ctx) => exportForOperator(deps, req, ctx),
    'bundle.list': () => listBundles(bundlesDir(deps.config.dataDir)),
    'bundle.open': (req) => openBundle(deps, evidence, req),
  };
}

type ExportRequest = Parameters<Handler<'bundle.export'>>[0];
type OpenRequest = Parameters<Handler<'bundle.open'>>[0];
type ExportPhase = 'proofs' | 'events' | 'signing' | 'done';

async function exportForOperator(deps: DomainDeps, req: ExportRequest, ctx: CallContext) {
  // The isso, auditor or administrator role in req.tenant was checked by the registry (contract).
  const session = requireOperator(deps.operatorAuth.session());
  checkExportRequest(req, ctx);
  const classification = req.classification ?? deps.config.classification;
  const pool = deps.controlPlane.requirePool();
  const tenant = await resolveTenant(pool, req.tenant, deps.controlPlane.adminPoolIfEmbedded());
  const out =
    req.out !== null
      ? isAbsolute(req.out)
        ? req.out
        : resolve(req.out)
      : consoleBundlePath(deps.config.dataDir, req, classification, tenant.slug);
  const trustStore = trustStoreIfConfigured(deps);
  const publish = progressPublisher(deps, { tenantId: tenant.id, from: req.from, to: req.to, review: req.review });
  const b3 = await loadBlake3();
  // Encrypted: the bundle streams into the envelope as it is written (never in clear on disk).
  const recipients = exportRecipients(req);
  const result = await exportBundle(pool, {
    tenantId: tenant.id,
    ...(req.review !== null ? { reviewId: req.review } : { from: req.from!, to: req.to! }),
    outPath: out,
    recipients,
    classification,
    session,
    sign: (purpose, digest) => {
      publish('signing', 0, 1);
      return deps.operatorAuth.sign(purpose, digest, req.pin, { rsa: 'pkcs1' });
    },
    trustStore,
    blake3: b3,
    onProgress: (p) => publish(p.phase === 'events' ? 'events' : 'proofs', p.done, p.total),
    companion: deps.companion.current(),
  });
  const encryption = result.sealedBytes !== null ? await sealedSummary(out, recipients, result.sealedBytes) : null;
  publish('done', 1, 1);
  await recordExport(deps, pool, tenant.id, session, result, b3);
  const { exporter, sealedBytes, ...rest } = result;
  void exporter;
  void sealedBytes;
  return { ...rest, path: out, encryption };
}

function checkExportRequest(req: ExportRequest, ctx: CallContext): void {
  if (req.out !== null && ctx.adapter !== 'cli')
    throw new ArxFailure(
      'INVALID_REQUEST',
      'Only the command line chooses the output file; the console writes into its bundles folder.',
      { path: 'out' },
    );
  if ((req.review === null) === (req.from === null || req.to === null)) {
    throw new ArxFailure(
      'INVALID_REQUEST',
      'Give either a range (from and to) or a fidelity certificate id, not both.',
      {
        path: req.review === null ? 'from' : 'review',
      },
    );
  }
}

/** A new file in the console's bundles folder, named by marking, tenant, what it holds and when. */
function consoleBundlePath(dataDir: string, req: ExportRequest, classification: string, tenantSlug: string): string {
  mkdirSync(bundlesDir(dataDir), { recursive: true, mode: 0o700 });
  const what = req.review !== null ? `review-${req.review.slice(0, 8)}` : `${req.from}-${req.to}`;
  return join(
    bundlesDir(dataDir),
    `${markingForFileName(classification)}-${tenantSlug}-${what}-${timestamp(new Date())}${BUNDLE_EXTENSION}`,
  );
}

function trustStoreIfConfigured(deps: DomainDeps): TrustStore | null {
  try {
    return deps.trustStore();
  } catch {
    return null;
  }
}

/** Progress for the screen that asked (at most ~5 a second while events stream, and each phase). */
function progressPublisher(
  deps: DomainDeps,
  what: { tenantId: string; from: number | null; to: number | null; review: string | null },
) {
  let lastPublished = 0;
  return (phase: ExportPhase, done: number, total: number) => {
    const now = Date.now();
    if (phase === 'events' && done < total && now - lastPublished < 200) return;
    lastPublished = now;
    deps.hub.publish('bundle.exportProgress', { ...what, phase, done, total });
  };
}

/** The export itself is evidence: an audit event in the tenant's chain. */
async function recordExport(
  deps: DomainDeps,
  pool: pg.Pool,
  tenantId: string,
  session: OperatorSession,
  result: ExportResult,
  b3: Blake3,
): Promise<void> {
  const exported = {
    type: 'com.arx.bundle.exported' as const,
    data: { bundleSha256: result.sha256, fromSeq: result.from, toSeq: result.to, exporter: session.operatorId },
    subject: session.edipi,
  };
  await withTenant(pool, tenantId, async (c) =>
    recordBundleExport(
      c,
      tenantId,
      await stepEventRows(c, tenantId, consoleSource(), exported, b3, deps.operatorAuth.eventWriter() ?? {}),
    ),
  ).catch((e: Error) => deps.log(`bundle.exported audit event failed: ${e.message}`));
}

function listBundles(dir: string) {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(BUNDLE_EXTENSION));
  } catch {
    names = [];
  }
  const bundles = names
    .map((name) => {
      const path = join(dir, name);
      const st = statSync(path);
      return { name, path, bytes: st.size, modifiedAt: st.mtime.toISOString() };
    })
    .sort((a, b) => (a.modifiedAt < b.modifiedAt ? 1 : -1));
  return { dir, bundles };
}

async function openBundle(deps: DomainDeps, evidence: EvidenceCache, req: OpenRequest) {
  const path = isAbsolute(req.path) ? req.path : join(bundlesDir(deps.config.dataDir), req.path);
  const { report: verified, envelope } = await verifyPossiblyEncrypted(
    path,
    {
      trust: openTrust(deps, req.trust, req.allowUnpinnedGatewayKeys),
      blake3: await loadBlake3(),
      collect: { maxEvents: req.maxEvents ?? 500 },
    },
    { openers: () => openersFor(deps, req) },
  );
  const { contents, ...report } = verified;
  const answer = { path, report, contents: contents ?? null, envelope };
  // What an encrypted bundle holds stays in memory: it is not sealed into the cache.
  if (isEncryptedBundle(path)) return answer;
  try {
    const st = statSync(path);
    evidence.store(
      'bundle',
      {
        q: 'bundle.open',
        path,
        bytes: st.size,
        modifiedAt: st.mtime.toISOString(),
        maxEvents: req.maxEvents ?? 500,
        trust: req.trust,
        allowUnpinnedGatewayKeys: req.allowUnpinnedGatewayKeys,
      },
      answer,
    );
  } catch {
    // the file went away after verifying: nothing to key the report by
  }
  return answer;
}

/** Who opens an encrypted bundle: the recovery private key file, or the logged-in card, as asked. */
async function openersFor(deps: DomainDeps, req: OpenRequest): Promise<EnvelopeOpener[]> {
  const out: EnvelopeOpener[] = [];
  if (req.recoveryKeyFile !== null)
    out.push(recoveryOpener(readFileSync(req.recoveryKeyFile), req.recoveryPassphrase, req.recoveryKeyFile));
  if (req.card) out.push(await operatorCardOpener(deps, req.kemKeyFile));
  return out;
}

/**
 * The logged-in operator's card as the opener of an encrypted bundle: its key-management key
 * (9D), which the card's login authorises (PIV: PIN once per session), and with a hybrid stanza
 * the holder's sealed ML-KEM-1024 key file. SESSION_NONE / SESSION_LOCKED without an unlocked card.
 */
async function operatorCardOpener(deps: DomainDeps, kemKeyFile: string | null): Promise<EnvelopeOpener> {
  const session = deps.operatorAuth.session();
  if (!session) throw new ArxFailure('SESSION_NONE', 'Nobody is logged in: log in with your card to open it.');
  const card = deps.operatorAuth.activeCard();
  if (!card) throw new ArxFailure('SESSION_LOCKED', 'The console is locked: unlock it with your card to open it.');
  const base = cardOpener(card, null);
  if (kemKeyFile === null) return base;
  return { ...base, pq: await openKemKey(readFileSync(kemKeyFile, 'utf8'), base) };
}

/** The marking as a file-name prefix: `TOP SECRET//SCI` becomes `TOP-SECRET-SCI`. */
export function markingForFileName(level: string): string {
  return level.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
}
