import type { ArxConfig } from '../config/config';
import type { ControlPlane } from '../controlplane/control-plane';
import type { CacheService } from '../cache/cache-service';
import type { CompanionService } from '../companion/companion-service';
import type { OfflineCommands } from '../cache/offline';
import type { OperatorAuth } from '../card/operator-auth';
import type { TrustStore } from '../pki/trust-store';
import type { EventHub } from '../core/event-hub';
import type { CommandName } from '../../../shared/contract';
import type { Handler } from '../core/registry';

/** What every domain's handlers get from the console services (console-services.ts wires them). */
export interface DomainDeps {
  config: ArxConfig;
  controlPlane: ControlPlane;
  /** Login, lock, the operator session and `sign` (the Digital Signature key, PIN per signature). */
  operatorAuth: OperatorAuth;
  /** The configured trust anchors and CRLs (CARD_TRUST_NOT_CONFIGURED when none). */
  trustStore: () => TrustStore;
  hub: EventHub;
  /** The console's one encrypted evidence cache and its outbox (cache/cache-service.ts). */
  cache: CacheService;
  /** How cached reads are described and signed writes stored or queued (the contract's `offline`). */
  offline: OfflineCommands;
  /** The operator's companion keys (Ed25519, ML-DSA-87), open while their card is (companion/). */
  companion: CompanionService;
  log: (line: string) => void;
}

/** The handlers of one domain's command table. */
export type DomainHandlers<T> = { [N in keyof T & CommandName]: Handler<N> };
