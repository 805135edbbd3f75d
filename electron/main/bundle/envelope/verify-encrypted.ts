import { statSync } from 'node:fs';
import { verifyBundle, type VerifiedBundle, type VerifyBundleOptions } from '../verify';
import { emptyReport } from '../verify/checks';
import { EnvelopeFatal } from './format';
import type { EnvelopeOpener } from './keys';
import { decryptPayload, isEncryptedBundle, openEnvelope, privateScratch } from './open';

/** What the envelope said, for the report: how many recipients, who opened it, whether its stanza was hybrid. */
export interface EnvelopeSummary {
  recipients: number;
  openedBy: string;
  hybrid: boolean;
}

export interface VerifyEncryptedOptions {
  /** The card and/or recovery key; asked for only when the file is encrypted. */
  openers: () => Promise<EnvelopeOpener[]>;
  /** Where the decrypted bundle is written while it is verified (default: the OS temporary directory). */
  scratchDir?: string;
}

/**
 * Verifies a bundle that may be encrypted: an envelope is opened first (exit 2 with its own code
 * when it cannot be), the bundle inside decrypted to a private file and verified exactly as a
 * bundle in clear, and the file removed whatever the outcome.
 */
export async function verifyPossiblyEncrypted(
  path: string,
  opts: VerifyBundleOptions,
  e: VerifyEncryptedOptions,
): Promise<{ report: VerifiedBundle; envelope: EnvelopeSummary | null }> {
  if (!isEncryptedBundle(path)) return { report: await verifyBundle(path, opts), envelope: null };
  const scratch = privateScratch(e.scratchDir);
  try {
    const opened = await openEnvelope(path, await e.openers());
    try {
      decryptPayload(path, opened, scratch.file);
    } finally {
      opened.key.fill(0);
    }
    const envelope = { recipients: opened.recipients, openedBy: opened.openedBy, hybrid: opened.hybrid };
    return { report: await verifyBundle(scratch.file, opts), envelope };
  } catch (err) {
    if (!(err instanceof EnvelopeFatal)) throw err;
    const r = emptyReport(statSync(path).size, false);
    r.fatal = { code: err.code, message: err.message, location: { file: path, ...err.location } };
    return { report: r, envelope: null };
  } finally {
    scratch.remove();
  }
}
