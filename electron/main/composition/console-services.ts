import type { Status } from '../../../shared/contract';
import { clusterDirFor } from '../controlplane/embedded';
import type { ArxConfig } from '../config/config';
import { loadBlake3 } from '../crypto/blake3';
import { ControlPlane } from '../controlplane/control-plane';
import { allTenantIds } from '../controlplane/repos/tenants';
import { prepareDemoCard } from '../demo/demo-card';
import { seedDemoIfEmpty } from '../demo/seed-demo';
import { allTenants } from '../controlplane/repos/tenants';
import { startCheckpointTimer, type CheckpointTimer } from '../simulator/checkpoint-timer';
import { createCardHandlers } from '../card/card-handlers';
import { CardService } from '../card/card-service';
import { OperatorAuth, type CardBackend } from '../card/operator-auth';
import { findOperator } from '../card/operator-directory';
import { connectOperator } from '../card/operator-database';
import { sessionAuditWriter } from '../card/session-audit';
import type { WriterIdentity } from '../controlplane/chain-writer';
import { loadTrustStore, type TrustStore } from '../pki/trust-store';
import { ArxFailure } from '../../../shared/contract';
import { bundlesDir, createBundleHandlers } from '../bundle/handlers';
import { CacheService } from '../cache/cache-service';
import { createCacheHandlers } from '../cache/handlers';
import { OfflineCommands } from '../cache/offline';
import { createAuditVerifyHandlers } from '../chain/verify-handlers';
import { createAuditExplorerHandlers } from '../explorer/handlers';
import { createPolicyAuthoringHandlers } from '../policy/authoring-handlers';
import { createPolicyLifecycleHandlers } from '../policy/lifecycle-handlers';
import { createReviewHandlers } from '../review/handlers';
import type { DomainDeps } from '../handlers/domain-deps';
import { EventHub } from '../core/event-hub';
import { createRegistry, type Handlers, type Registry } from '../core/registry';

/** Every call from the operator counts as activity for the idle lock. */
function touchingRegistry(inner: Registry, touch: () => void): Registry {
  return {
    invoke: ((name: string, request: unknown, ctx: Parameters<Registry['invoke']>[2]) => {
      touch();
      return inner.invoke(name, request, ctx);
    }) as Registry['invoke'],
  };
}

export const APP_VERSION = '0.1.0';

export interface ConsoleServices {
  config: ArxConfig;
  registry: Registry;
  hub: EventHub;
  controlPlane: ControlPlane;
  status(): Status;
  /** What the window adapter reports about itself (e.g. Chromium without its sandbox), shown in the status bar. */
  setWindowStatus(window: NonNullable<Status['window']>): void;
  /** Starts the parts that take time (the database). Failures are reported in the status, not thrown. */
  start(): Promise<void>;
  /** Settles when first-start demo data is in place (embedded default only). */
  demoReady: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Wires every service to its handlers. Adapters (Electron IPC, the Chromium bridge, the CLI) get
 * the registry from here and nothing else.
 */
export function createConsoleServices(
  config: ArxConfig,
  log: (line: string) => void = () => {},
  options: {
    seedDemo?: boolean;
    cardBackend?: () => Promise<CardBackend>;
    /** How often the embedded default's gateway timer looks for a checkpoint to issue. */
    checkpointTickMs?: number;
  } = {},
): ConsoleServices {
  const hub = new EventHub();
  let card: Status['card'] = { state: 'not-connected', detail: 'No operator logged in' };
  let window: Status['window'];
  const status = (): Status => ({ controlPlane: controlPlane.status(), card, ...(window ? { window } : {}) });
  const controlPlane = new ControlPlane(config, () => hub.publish('status.changed', status()), log);

  // The card module is loaded on first use (listing readers), in its own worker thread.
  let backend: Promise<CardBackend> | null = null;
  const openBackend = () =>
    (backend ??= options.cardBackend
      ? options.cardBackend()
      : CardService.open({ modulePath: config.card.module }).catch((err) => {
          backend = null;
          throw err;
        }));
  let trust: TrustStore | null = null;
  const trustStore = (): TrustStore => {
    if (!config.card.trustAnchors)
      throw new ArxFailure(
        'CARD_TRUST_NOT_CONFIGURED',
        'No trust anchors are configured (card.trustAnchors / ARX_TRUST_ANCHORS): no login certificate can be validated.',
      );
    return (trust ??= loadTrustStore({
      anchors: config.card.trustAnchors,
      ...(config.card.intermediates ? { intermediates: config.card.intermediates } : {}),
      ...(config.card.crls ? { crls: config.card.crls } : {}),
    }));
  };
  const operatorAuth: OperatorAuth = new OperatorAuth({
    backend: openBackend,
    trustStore,
    policy: { policyArcs: config.card.policyArcs, staleCrl: config.card.staleCrl },
    // The operator's own database identity: unwrapped on the card after the PIN, ended on lock.
    connect: async (edipi, card) => void (await connectOperator(controlPlane, edipi, card)),
    disconnect: (reason) => controlPlane.closeOperatorPool(reason),
    findOperator: (edipi, sha256) => findOperator(controlPlane.requirePool(), edipi, sha256),
    audit: sessionAuditWriter(
      () => controlPlane.requirePool(),
      () => controlPlane.adminPoolIfEmbedded(),
      async () => {
        const admin = controlPlane.adminPoolIfEmbedded();
        return admin ? allTenantIds(admin) : [];
      },
      log,
      (): WriterIdentity | null => operatorAuth.eventWriter(),
    ),
    idleLockMs: config.idleLockMinutes * 60_000,
  });
  operatorAuth.on('changed', (session) => {
    card = !session
      ? { state: 'not-connected', detail: 'No operator logged in' }
      : session.locked
        ? {
            state: 'locked',
            detail: `${session.displayName} (EDIPI ${session.edipi}) — locked (${session.lockReason})`,
          }
        : { state: 'logged-in', detail: `${session.displayName} (EDIPI ${session.edipi}) with ${session.tokenLabel}` };
    hub.publish('session.changed', session);
    hub.publish('status.changed', status());
  });
  const cardHandlers = createCardHandlers(() => operatorAuth);
  // The one cache of this console: lock, logout and card removal wipe its key from the first login on.
  const cache = new CacheService({
    config,
    operatorAuth,
    controlPlane,
    log,
    onChange: (st) => hub.publish('cache.changed', st),
  });
  // Each command's declared offline behaviour, applied by the registry around its handler.
  const offline = new OfflineCommands({ cache, controlPlane, operatorAuth, log });
  const domain: DomainDeps = { config, controlPlane, operatorAuth, trustStore, hub, log, cache, offline };
  const handlers: Handlers = {
    'app.info': () => ({
      product: 'ARX Console',
      version: APP_VERSION,
      classification: config.classification,
      classificationCaveat: config.classificationCaveat,
      consentTitle: config.consentTitle,
      consentText: config.consentText,
    }),
    'session.state': (_req, ctx) => ({
      consentAcknowledged: ctx.session.consentAcknowledged,
      acknowledgedAt: ctx.session.consentAcknowledgedAt?.toISOString() ?? null,
    }),
    'session.acknowledgeConsent': (_req, ctx) => {
      ctx.session.consentAcknowledgedAt ??= new Date();
      return { consentAcknowledged: true, acknowledgedAt: ctx.session.consentAcknowledgedAt.toISOString() };
    },
    'status.get': () => status(),
    ...cardHandlers,
    'settings.get': () => ({
      dataDir: config.dataDir,
      configFile: config.configFile,
      controlPlaneMode: config.controlPlane.mode,
      databaseDir: config.controlPlane.mode === 'embedded' ? clusterDirFor(config.dataDir) : null,
      cardModule: config.card.module,
      idleLockMinutes: config.idleLockMinutes,
    }),
    ...createPolicyAuthoringHandlers(domain),
    ...createPolicyLifecycleHandlers(domain),
    ...createAuditVerifyHandlers(domain),
    ...createAuditExplorerHandlers(domain),
    ...createReviewHandlers(domain),
    ...createCacheHandlers(domain),
    ...createBundleHandlers(domain),
  };

  const undescribed = offline.undescribed();
  if (undescribed.length > 0) throw new Error(`offline: 'cache' reads not described: ${undescribed.join(', ')}`);

  let resolveDemo: () => void = () => {};
  const demoReady = new Promise<void>((r) => (resolveDemo = r));

  /** First start of the embedded default seeds demo tenants in the background, with progress in the status bar. */
  async function seedDemo(): Promise<void> {
    try {
      const b3 = await loadBlake3();
      let shown = -1;
      const seeded = await seedDemoIfEmpty(controlPlane, config, b3, (f) => {
        const pct = Math.floor(f * 100);
        if (pct !== shown) controlPlane.annotate(`seeding demo data ${(shown = pct)}%`);
      });
      if (seeded) log('demo data seeded');
      controlPlane.annotate('preparing the demo card');
      const demo = await prepareDemoCard(config, controlPlane.requireAdminPool(), log);
      if (demo) log(`demo card ready: ${demo.cards.map((c) => `${c.label} (PIN ${c.pin})`).join(', ')}`);
      controlPlane.annotate(null);
    } catch (err) {
      log(`demo seeding failed: ${(err as Error).message}`);
      controlPlane.annotate(`demo data could not be seeded: ${(err as Error).message}`);
    } finally {
      resolveDemo();
    }
    startGatewayTimer().catch((err: Error) => log(`checkpoint timer not started: ${err.message}`));
  }

  /**
   * The embedded default's gateway issues checkpoints on a timer, as a real gateway does. Pools are
   * looked up at each tick: a control plane that is down then costs a logged tick, not the console.
   */
  let checkpointTimer: CheckpointTimer | null = null;
  let stopped = false;
  async function startGatewayTimer(): Promise<void> {
    const b3 = await loadBlake3();
    if (stopped) return;
    checkpointTimer = startCheckpointTimer(
      controlPlane,
      config,
      b3,
      () => allTenants(controlPlane.requireAdminPool()),
      { log, refused: (tenant, why) => controlPlane.annotate(`checkpoints of ${tenant} refused: ${why}`) },
      options.checkpointTickMs,
    );
  }

  return {
    config,
    registry: touchingRegistry(
      createRegistry(handlers, log, {
        operator: () => operatorAuth.session(),
        folders: { bundles: bundlesDir(config.dataDir) },
        wrap: (name, handler) => offline.wrap(name, handler),
      }),
      () => operatorAuth.touch(),
    ),
    hub,
    controlPlane,
    status,
    setWindowStatus(w) {
      window = w;
      hub.publish('status.changed', status());
    },
    demoReady,
    async start() {
      try {
        await controlPlane.start();
      } catch (err) {
        log(`control plane: ${(err as Error).message}`);
        resolveDemo();
        return;
      }
      if (options.seedDemo && config.controlPlane.mode === 'embedded') void seedDemo();
      else resolveDemo();
    },
    async stop() {
      stopped = true;
      checkpointTimer?.stop();
      cache.close();
      await operatorAuth.close().catch(() => {});
      if (backend) await (await backend.catch(() => null))?.close().catch(() => {});
      await controlPlane.stop();
    },
  };
}
