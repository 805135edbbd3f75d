import type { Status } from '../../../shared/contract';
import type { ArxConfig } from '../config/config';
import { loadWasmBlake3 } from '../chain/wasm-blake3';
import { ControlPlane } from '../controlplane/control-plane';
import { seedDemoIfEmpty } from '../demo/seed-demo';
import { EventHub } from './event-hub';
import { createRegistry, type Handlers, type Registry } from './registry';

export const APP_VERSION = '0.1.0';

export interface ConsoleServices {
  config: ArxConfig;
  registry: Registry;
  hub: EventHub;
  controlPlane: ControlPlane;
  status(): Status;
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
  options: { seedDemo?: boolean } = {},
): ConsoleServices {
  const hub = new EventHub();
  const card: Status['card'] = { state: 'not-connected', detail: 'Card service not connected' };
  const status = (): Status => ({ controlPlane: controlPlane.status(), card });
  const controlPlane = new ControlPlane(config, () => hub.publish('status.changed', status()), log);

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
    'settings.get': () => ({
      dataDir: config.dataDir,
      configFile: config.configFile,
      controlPlaneMode: config.controlPlane.mode,
      cardModule: config.card.module,
      idleLockMinutes: config.idleLockMinutes,
    }),
  };

  let resolveDemo: () => void = () => {};
  const demoReady = new Promise<void>((r) => (resolveDemo = r));

  /** First start of the embedded default seeds demo tenants in the background, with progress in the status bar. */
  async function seedDemo(): Promise<void> {
    try {
      const b3 = await loadWasmBlake3();
      let shown = -1;
      const seeded = await seedDemoIfEmpty(controlPlane, config, b3, (f) => {
        const pct = Math.floor(f * 100);
        if (pct !== shown) controlPlane.annotate(`seeding demo data ${(shown = pct)}%`);
      });
      if (seeded) log('demo data seeded');
      controlPlane.annotate(null);
    } catch (err) {
      log(`demo seeding failed: ${(err as Error).message}`);
      controlPlane.annotate(`demo data could not be seeded: ${(err as Error).message}`);
    } finally {
      resolveDemo();
    }
  }

  return {
    config,
    registry: createRegistry(handlers, log),
    hub,
    controlPlane,
    status,
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
      await controlPlane.stop();
    },
  };
}
