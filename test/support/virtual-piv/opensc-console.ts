/**
 * The console as a CAC holder runs it, for vitest files: on opensc-pkcs11.so with the demo
 * operators' virtual cards in the two readers, a migrated control plane with those operators
 * enrolled in tenant a (certificates read from the cards' files, roles, database logins wrapped to
 * the cards' 9D keys), started. Used by the card-opensc tests that drive the console's contract.
 */
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { registerTestOperators, type ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import { startCardConsole } from '../card-console';
import { migratedDatabase, type MigratedDatabase } from '../pg';
import { startOpenscFixture, type OpenscFixture } from './fixture';
import { writeProvisioned } from './provisioned';

export interface OpenscConsole {
  fx: OpenscFixture;
  provisioned: ProvisionedTestCards;
  db: MigratedDatabase;
  services: ConsoleServices;
  /** Stops the console, pcscd and the cards, drops the database. */
  stop(): Promise<void>;
}

/** `labels` are TEST_CARDS labels, inserted in reader 00 00 and 00 01 in that order. */
export async function startOpenscConsole(labels: readonly string[], prefix: string): Promise<OpenscConsole> {
  const dir = mkdtempSync(join(tmpdir(), `arx-${prefix}-`));
  const parts: Partial<OpenscConsole> = {};
  const stop = async () => {
    await parts.services?.stop();
    await parts.fx?.stack.stop();
    await parts.db?.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    parts.fx = await startOpenscFixture(labels.map((label) => ({ label })));
    parts.provisioned = await writeProvisioned(dir, parts.fx, labels);
    parts.db = await migratedDatabase(prefix.replace(/[^a-z]/g, '').slice(0, 12));
    await registerTestOperators(parts.db.admin, parts.provisioned, [parts.db.tenants.a]);
    parts.services = (await startCardConsole(parts.db, parts.provisioned, prefix)).services;
    return { ...(parts as Required<Omit<OpenscConsole, 'stop'>>), stop };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

/**
 * The Digital Signature certificate (PIV 9C, OpenSC id 02) as OpenSC's pkcs15-tool reads it off
 * the card in reader `i`: PEM and SHA-256 of the DER. Asynchronous: the card answers on this thread.
 */
export async function signingCertificateOnCard(i: number): Promise<{ pem: string; sha256: string }> {
  const { stdout } = await promisify(execFile)('pkcs15-tool', ['--reader', String(i), '--read-certificate', '02']);
  const sha256 = createHash('sha256').update(new X509Certificate(stdout).raw).digest('hex');
  return { pem: stdout, sha256 };
}
