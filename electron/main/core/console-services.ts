import type { Status } from '../../../shared/contract';
import type { ArxConfig } from '../config/config';
import { ControlPlane } from '../controlplane/control-plane';
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
  stop(): Promise<void>;
}

/**
 * Wires every service to its handlers. Adapters (Electron IPC, the Chromium bridge, the CLI) get
 * the registry from here and nothing else.
 */
export function createConsoleServices(config: ArxConfig, log: (line: string) => void = () => {}): ConsoleServices {
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

  return {
    config,
    registry: createRegistry(handlers, log),
    hub,
    controlPlane,
    status,
    async start() {
      try {
        await controlPlane.start();
      } catch (err) {
        log(`control plane: ${(err as Error).message}`);
      }
    },
    async stop() {
      await controlPlane.stop();
    },
  };
}
