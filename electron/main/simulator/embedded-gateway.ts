import type pg from 'pg';
import { ed25519Signer } from '../../../shared/checkpoint';
import type { Blake3 } from '../../../shared/chain';
import type { ArxConfig } from '../config/config';
import { ChainWriter } from '../controlplane/chain-writer';
import { Checkpointer, type CheckpointPolicy } from '../controlplane/checkpointer';
import { loadOrCreateGatewayKey, registerGatewayKey } from '../controlplane/gateway-keys';
import type { Tenant } from '../controlplane/tenants';

/** What the gateway side needs of the control plane: the admin pool (key enrolment) and the gateway role's pool. */
export interface GatewayPools {
  requireAdminPool(): pg.Pool;
  requireGatewayPool(): pg.Pool;
}

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = { everyEvents: 1000, everyMs: 5 * 60_000 };

/**
 * The gateway side of the embedded default: a chain writer for one tenant with its checkpointer,
 * signing with the tenant's demo gateway key (registered with the control plane on first use).
 */
export async function embeddedGateway(
  cp: GatewayPools,
  config: ArxConfig,
  tenant: Tenant,
  blake3: Blake3,
  policy = DEFAULT_CHECKPOINT_POLICY,
) {
  const key = loadOrCreateGatewayKey(config.dataDir, tenant.slug);
  await registerGatewayKey(cp.requireAdminPool(), tenant.id, key);
  const signer = ed25519Signer(key.name, key.secretKey);
  const checkpointer = new Checkpointer(tenant.id, signer, policy, () => new Date(), blake3);
  const writer = new ChainWriter(cp.requireGatewayPool(), tenant.id, {
    source: '/arx/simulator/gw-sim',
    blake3,
    afterAppend: checkpointer.afterAppend,
  });
  return { writer, checkpointer, key };
}
