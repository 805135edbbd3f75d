import type { TestProject } from 'vitest/node';
import { startExternalPostgres, type ExternalPostgres } from './external-pg';

/**
 * vitest globalSetup of the `onprem` project: one external-style PostgreSQL (test/support/external-pg.ts)
 * for every file of the project, started once and stopped after the last file, also on failure.
 * Each file creates its own database on it (test/support/onprem-db.ts).
 */
let server: ExternalPostgres | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startExternalPostgres();
  project.provide('onpremPg', {
    port: server.port,
    password: server.password,
    caFile: server.caFile,
    dir: server.dir,
  });
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    onpremPg: { port: number; password: string; caFile: string; dir: string };
  }
}
