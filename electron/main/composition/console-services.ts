import type { Status } from '../../../shared/contract';
import type { ArxConfig } from '../config/config';
import { ControlPlane } from '../controlplane/control-plane';
import { allTenantIds } from '../controlplane/repos/tenants';
import { createCardHandlers } from '../card/card-handlers';
import { CardService } from '../card/card-service';
import { OperatorAuth, type CardBackend } from '../card/operator-auth';
import { findOperator } from '../card/operator-directory';
import { checkOperatorLogin, connectOperator } from '../card/operator-database';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import { sessionAuditWriter } from '../card/session-audit';
import type { WriterIdentity } from '../controlplane/chain-writer';
import type { ChildLauncher } from '../workers/child-process';
import { createAdminHandlers } from '../administration/handlers';
import { bundlesDir, createBundleHandlers } from '../bundle/handlers';
import { CacheService } from '../cache/cache-service';
import { createCacheHandlers } from '../cache/handlers';
import { CompanionService } from '../companion/companion-service';
import { createCompanionHandlers } from '../companion/handlers';
import { ConsoleWitness } from '../witness/console-witness';
import { createWitnessHandlers } from '../witness/handlers';
import { cacheWitnessStore, companionWitnessKey, forkRecorder } from './witness-wiring';
import { OfflineCommands } from '../cache/offline';
import { createAuditVerifyHandlers } from '../chain/verify-handlers';
import { createAuditExplorerHandlers } from '../explorer/handlers';
import { createPolicyAuthoringHandlers } from '../policy/authoring-handlers';
import { createPolicyLifecycleHandlers } from '../policy/lifecycle-handlers';
import { createReviewHandlers } from '../review/handlers';
import type { DomainDeps } from '../handlers/domain-deps';
import { EventHub } from '../core/event-hub';
import { createShellHandlers, trustStoreOf } from './shell-handlers';
import { demoStarter } from './demo-start';
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

export { APP_VERSION } from './shell-handlers';

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

export interface ConsoleServiceOptions {
  seedDemo?: boolean;
  cardBackend?: () => Promise<CardBackend>;
  /** How the card module's process is started (Electron's utility process in the app; fork otherwise). */
  cardLauncher?: ChildLauncher;
  /** How often the embedded default's gateway timer looks for a checkpoint to issue. */
  checkpointTickMs?: number;
  /** How often an ISSO's console witnesses its tenants in the background (0: only on request). */
  witnessIntervalMs?: number;
}

/**
 * Wires every service to its handlers. Adapters (Electron IPC, the Chromium bridge, the CLI) get
 * the registry from here and nothing else.
 */
export function createConsoleServices(
  config: ArxConfig,
  log: (line: string) => void = () => {},
  options: ConsoleServiceOptions = {},
): ConsoleServices {
  const hub = new EventHub();
  let card: Status['card'] = cardStatusOf(null);
  let window: Status['window'];
  const status = (): Status => ({ controlPlane: controlPlane.status(), card, ...(window ? { window } : {}) });
  const controlPlane = new ControlPlane(config, () => hub.publish('status.changed', status()), log);
  const backend = cardBackendLoader(config, log, options.cardBackend, options.cardLauncher);
  const trustStore = trustStoreOf(config);
  const operatorAuth = createOperatorAuth(config, controlPlane, trustStore, backend.open, log);
  operatorAuth.on('changed', (session) => {
    card = cardStatusOf(session);
    hub.publish('session.changed', session);
    hub.publish('status.changed', status());
  });
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
  // The operator's companion keys: opened with the card after login, wiped on lock, logout and removal.
  const companion = new CompanionService({
    operatorAuth,
    controlPlane,
    log,
    onChange: (st) => hub.publish('companion.changed', st),
  });
  const domain: DomainDeps = { config, controlPlane, operatorAuth, trustStore, hub, log, cache, offline, companion };
  const witness = createWitness(domain, options.witnessIntervalMs ?? 60_000);
  const handlers = consoleHandlers(domain, status, witness.service);

  const undescribed = offline.undescribed();
  if (undescribed.length > 0) throw new Error(`offline: 'cache' reads not described: ${undescribed.join(', ')}`);

  let resolveDemo: () => void = () => {};
  const demoReady = new Promise<void>((r) => (resolveDemo = r));

  const demo = demoStarter(controlPlane, config, log, resolveDemo, options.checkpointTickMs, () =>
    hub.publish('audit.checkpointed', { at: new Date().toISOString() }),
  );

  return {
    config,
    registry: consoleRegistry(handlers, domain),
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
      if (options.seedDemo && config.controlPlane.mode === 'embedded') void demo.seed();
      else resolveDemo();
    },
    async stop() {
      demo.stop();
      witness.stop();
      cache.close();
      companion.wipe();
      await operatorAuth.close().catch(() => {});
      await backend.close();
      await controlPlane.stop();
    },
  };
}

/**
 * The console as a witness of its ISSO's tenants: a pass after login once the companion key and
 * the cache are open, then every `intervalMs`; reset on every session change.
 */
function createWitness(domain: DomainDeps, intervalMs: number) {
  const { controlPlane, operatorAuth, companion, cache, hub, log } = domain;
  const service = new ConsoleWitness({
    session: () => operatorAuth.session(),
    pool: () => controlPlane.requirePool(),
    key: companionWitnessKey(companion),
    store: cacheWitnessStore(cache),
    recordFork: forkRecorder(controlPlane, operatorAuth),
    publish: (st) => hub.publish('witnessing.changed', st),
    log,
  });
  const kick = () => {
    const s = operatorAuth.session();
    if (s && !s.locked && s.roles.some((r) => r.role === 'isso') && controlPlane.status().state === 'connected')
      void service.run().catch((e: Error) => log(`witness: pass failed (${e.message})`));
  };
  operatorAuth.on('changed', () => service.reset());
  hub.subscribe((event, payload) => {
    const opened = (payload as { state?: string } | null)?.state === 'unlocked';
    if (opened && (event === 'companion.changed' || event === 'cache.changed')) kick();
  });
  const timer = intervalMs > 0 ? setInterval(kick, intervalMs) : null;
  timer?.unref();
  return { service, stop: () => timer && clearInterval(timer) };
}

/** The card module is loaded on first use (listing readers), in its own child process. */
function cardBackendLoader(
  config: ArxConfig,
  log: (line: string) => void,
  make?: () => Promise<CardBackend>,
  launcher?: ChildLauncher,
) {
  let backend: Promise<CardBackend> | null = null;
  return {
    open: () =>
      (backend ??= make
        ? make()
        : CardService.open({ modulePath: config.card.module, ...(launcher ? { launcher } : {}) }).catch((err) => {
            backend = null;
            throw err;
          })),
    async close() {
      if (!backend) return;
      const problem = await (await backend.catch(() => null))?.close().catch(() => null);
      if (problem) log(`card module: ${problem.code}: ${problem.message}`);
    },
  };
}

function createOperatorAuth(
  config: ArxConfig,
  controlPlane: ControlPlane,
  trustStore: ReturnType<typeof trustStoreOf>,
  openBackend: () => Promise<CardBackend>,
  log: (line: string) => void,
): OperatorAuth {
  const operatorAuth: OperatorAuth = new OperatorAuth({
    backend: openBackend,
    trustStore,
    policy: { policyArcs: config.card.policyArcs, staleCrl: config.card.staleCrl },
    // The operator's own database identity: unwrapped on the card after the PIN, ended on lock.
    connect: async (edipi, card) => void (await connectOperator(controlPlane, edipi, card)),
    checkLogin: async (edipi, km) => {
      if (!km)
        throw new ArxFailure(
          'CARD_CERT_MISSING',
          'The card has no Key Management certificate (9D): the database credential cannot be unwrapped.',
        );
      await checkOperatorLogin(controlPlane.requireBootstrapPool(), edipi, km);
    },
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
  return operatorAuth;
}

/** The card line of the status bar. */
function cardStatusOf(session: OperatorSession | null): Status['card'] {
  if (!session) return { state: 'not-connected', detail: 'No operator logged in' };
  if (session.locked)
    return {
      state: 'locked',
      detail: `${session.displayName} (EDIPI ${session.edipi}) — locked (${session.lockReason})`,
    };
  return { state: 'logged-in', detail: `${session.displayName} (EDIPI ${session.edipi}) with ${session.tokenLabel}` };
}

/** The handler of every command: the console's own (shell and card), then each domain's. */
function consoleHandlers(domain: DomainDeps, status: () => Status, witness: ConsoleWitness): Handlers {
  const { config, controlPlane, operatorAuth } = domain;
  return {
    ...createShellHandlers(config, status, () => controlPlane.retryNow()),
    ...createCardHandlers(() => operatorAuth),
    ...createPolicyAuthoringHandlers(domain),
    ...createPolicyLifecycleHandlers(domain),
    ...createAuditVerifyHandlers(domain),
    ...createAuditExplorerHandlers(domain),
    ...createReviewHandlers(domain),
    ...createCacheHandlers(domain),
    ...createBundleHandlers(domain),
    ...createAdminHandlers(domain),
    ...createCompanionHandlers(domain),
    ...createWitnessHandlers(witness),
  };
}

/** The one registry: the operator's session for access, declared offline behaviour, activity for the idle lock. */
function consoleRegistry(handlers: Handlers, { config, operatorAuth, offline, log }: DomainDeps): Registry {
  return touchingRegistry(
    createRegistry(handlers, log, {
      operator: () => operatorAuth.session(),
      folders: { bundles: bundlesDir(config.dataDir) },
      wrap: (name, handler) => offline.wrap(name, handler),
    }),
    () => operatorAuth.touch(),
  );
}
