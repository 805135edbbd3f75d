import { statSync } from 'node:fs';
import { verifyBundle, type VerifiedBundle, type VerifyBundleOptions } from '../verify';
import { emptyReport } from '../verify/checks';
import { EnvelopeFatal } from './format';
import type { EnvelopeOpener } from './keys';
import { decryptInWorker } from './decrypt-stream';
import { decryptChunks, isEncryptedBundle, openEnvelope, type OpenedEnvelope } from './open';
import { ENVELOPE_FATAL_CODES } from '../../../../shared/bundle';

/** What the envelope said, for the report: how many recipients, who opened it, whether its stanza was hybrid. */
export interface EnvelopeSummary {
  recipients: number;
  openedBy: string;
  hybrid: boolean;
}

export interface VerifyEncryptedOptions {
  /** The card and/or recovery key; asked for only when the file is encrypted. */
  openers: () => Promise<EnvelopeOpener[]>;
}

/**
 * Verifies a bundle that may be encrypted: an envelope is opened first (exit 2 with its own code
 * when it cannot be), then the bundle inside is verified exactly as a bundle in clear, its bytes
 * decrypted as the verifier reads them (no plaintext on disk); a chunk that does not authenticate
 * ends the reading with its code. The file key is wiped whatever the outcome.
 */
export async function verifyPossiblyEncrypted(
  path: string,
  opts: VerifyBundleOptions,
  e: VerifyEncryptedOptions,
): Promise<{ report: VerifiedBundle; envelope: EnvelopeSummary | null }> {
  if (!isEncryptedBundle(path)) return { report: await verifyBundle(path, opts), envelope: null };
  let opened: OpenedEnvelope;
  try {
    opened = await openEnvelope(path, await e.openers());
  } catch (err) {
    if (!(err instanceof EnvelopeFatal)) throw err;
    const r = emptyReport(statSync(path).size, false);
    r.fatal = { code: err.code, message: err.message, location: { file: path, ...err.location } };
    return { report: r, envelope: null };
  }
  try {
    const source = { size: opened.header.plainLength, chunks: () => decryptInWorker(path, opened), shared: true };
    const report = await verifyBundle(path, { ...opts, source });
    if (report.fatal && !ENVELOPE_CODES.includes(report.fatal.code)) {
      // Reading stopped at a fatal finding inside: an envelope code still wins (§10.4), so the
      // chunks after it are authenticated too.
      const tampered = firstEnvelopeFatal(path, opened);
      if (tampered) report.fatal = tampered;
    }
    if (report.fatal && ENVELOPE_CODES.includes(report.fatal.code)) return { report, envelope: null };
    return { report, envelope: { recipients: opened.recipients, openedBy: opened.openedBy, hybrid: opened.hybrid } };
  } finally {
    opened.key.fill(0);
  }
}

const ENVELOPE_CODES: readonly string[] = ENVELOPE_FATAL_CODES;

function firstEnvelopeFatal(path: string, opened: OpenedEnvelope): VerifiedBundle['fatal'] {
  try {
    for (const chunk of decryptChunks(path, opened)) chunk.fill(0);
    return null;
  } catch (err) {
    if (!(err instanceof EnvelopeFatal)) throw err;
    return { code: err.code, message: err.message, location: { file: path, ...err.location } };
  }
}
