import type { Blake3 } from '../../../shared/chain';
import { ArxFailure } from '../../../shared/contract';
import type { ArxConfig } from '../config/config';
import type { Tenant } from '../controlplane/tenants';
import { embeddedGateway, type GatewayPools } from './embedded-gateway';

export interface CheckpointTimer {
  stop(): void;
}

/**
 * The embedded default plays the gateway's timer too: every `tickMs` each tenant's checkpointer
 * issues a checkpoint when its policy's interval has passed, also when nothing happened, so that
 * console events become provable within minutes, as under a real gateway. A refusal (rows that do
 * not recompute) is reported, never signed over.
 */
export function startCheckpointTimer(
  pools: GatewayPools,
  config: ArxConfig,
  b3: Blake3,
  tenants: () => Promise<Tenant[]>,
  report: {
    log: (line: string) => void;
    refused: (tenant: string, message: string) => void;
    /** A checkpoint was signed (screens showing what checkpoints cover refresh). */
    issued?: () => void;
  },
  tickMs = 60_000,
): CheckpointTimer {
  const gateways = new Map<string, Awaited<ReturnType<typeof embeddedGateway>>>();
  let running: Promise<void> | null = null;
  const tickAll = async () => {
    for (const tenant of await tenants()) {
      const gw = gateways.get(tenant.id) ?? (await embeddedGateway(pools, config, tenant, b3));
      gateways.set(tenant.id, gw);
      try {
        const issued = await gw.checkpointer.tick(pools.requireGatewayPool());
        if (issued) {
          report.log(`checkpoint of ${tenant.slug} at size ${issued.size}`);
          report.issued?.();
        }
      } catch (err) {
        if (err instanceof ArxFailure && err.code === 'CHECKPOINT_REFUSED') report.refused(tenant.slug, err.message);
        else report.log(`checkpoint of ${tenant.slug} failed: ${(err as Error).message}`);
      }
    }
  };
  const timer = setInterval(() => {
    running ??= tickAll()
      .catch((err: Error) => report.log(`checkpoint timer: ${err.message}`))
      .finally(() => (running = null));
  }, tickMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
