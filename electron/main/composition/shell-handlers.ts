import type { Status } from '../../../shared/contract';
import type { ArxConfig } from '../config/config';
import { clusterDirFor } from '../controlplane/embedded';
import { loadTrustStore, type TrustStore } from '../pki/trust-store';
import { ArxFailure } from '../../../shared/contract';
import type { Handlers } from '../core/registry';

export const APP_VERSION = '0.1.0';

/** The commands of the console itself: product, consent, status and settings. */
export function createShellHandlers(
  config: ArxConfig,
  status: () => Status,
  recheck: () => Promise<unknown>,
): Pick<
  Handlers,
  'app.info' | 'session.state' | 'session.acknowledgeConsent' | 'status.get' | 'controlPlane.retry' | 'settings.get'
> {
  return {
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
    'controlPlane.retry': async () => {
      await recheck();
      return status();
    },
    'settings.get': () => ({
      dataDir: config.dataDir,
      configFile: config.configFile,
      controlPlaneMode: config.controlPlane.mode,
      databaseDir: config.controlPlane.mode === 'embedded' ? clusterDirFor(config.dataDir) : null,
      cardModule: config.card.module,
      idleLockMinutes: config.idleLockMinutes,
    }),
  };
}

/** The configured trust anchors, loaded once on first use (a login or a verification). */
export function trustStoreOf(config: ArxConfig): () => TrustStore {
  let trust: TrustStore | null = null;
  return () => {
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
}
