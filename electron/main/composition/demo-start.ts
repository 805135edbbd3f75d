import type { ArxConfig } from '../config/config';
import type { ControlPlane } from '../controlplane/control-plane';
import { allTenants } from '../controlplane/repos/tenants';
import { loadBlake3 } from '../crypto/blake3';
import { prepareDemoCard } from '../demo/demo-card';
import { seedDemoIfEmpty } from '../demo/seed-demo';
import { startCheckpointTimer, type CheckpointTimer } from '../simulator/checkpoint-timer';

/** The embedded default's first start: demo data, the demo card, then the gateway's checkpoint timer. */
export function demoStarter(
  controlPlane: ControlPlane,
  config: ArxConfig,
  log: (line: string) => void,
  resolveDemo: () => void,
  checkpointTickMs: number | undefined,
  checkpointIssued: () => void = () => {},
): { seed(): Promise<void>; stop(): void } {
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
      {
        log,
        refused: (tenant, why) => controlPlane.annotate(`checkpoints of ${tenant} refused: ${why}`),
        issued: checkpointIssued,
      },
      checkpointTickMs,
    );
  }

  return {
    seed: seedDemo,
    stop() {
      stopped = true;
      checkpointTimer?.stop();
    },
  };
}
