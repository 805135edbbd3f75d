import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { ArxFailure } from '../../../../shared/contract';
import { recipientFromFile, type EnvelopeRecipient } from './keys';
import { sealBundleFile } from './seal';

/**
 * The recipients of an export: each PEM text a certificate (and ML-KEM key), then each recipient
 * file (the console names them by path; the boundary checked each), then the recovery key.
 * BUNDLE_RECIPIENT_INVALID, naming the file, for one that holds no certificate to encrypt to.
 */
export function exportRecipients(
  encryptTo: string[],
  recoveryKey: string | null,
  recipientFiles: string[] = [],
): EnvelopeRecipient[] {
  const out = encryptTo.map((pem, i) => recipientFromFile(Buffer.from(pem), `recipient ${i + 1}`, 'card'));
  for (const file of recipientFiles) out.push(recipientFromFile(readRecipientFile(file), file, 'card'));
  if (recoveryKey !== null) out.push(recipientFromFile(Buffer.from(recoveryKey), 'the recovery key', 'recovery'));
  return out;
}

function readRecipientFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ArxFailure('BUNDLE_RECIPIENT_INVALID', `${file} cannot be read: ${(e as Error).message}`, { file });
  }
}

/** Where the exporter writes the bundle in clear before it is sealed to `out` (same directory, removed after). */
export function clearPathFor(out: string): string {
  if (existsSync(out))
    throw new ArxFailure('BUNDLE_OUT_EXISTS', `${out} exists already; choose another file name.`, { path: 'out' });
  return `${out}.clear-${randomBytes(6).toString('hex')}`;
}

/** Seals the bundle at `clear` into `out` and removes `clear`, whatever happens. */
export async function sealExported(
  clear: string,
  out: string,
  recipients: EnvelopeRecipient[],
): Promise<{ recipients: number; hybrid: number; bytes: number; sha256: string }> {
  try {
    const { bytes } = sealBundleFile(clear, out, recipients);
    const h = createHash('sha256');
    for await (const c of createReadStream(out)) h.update(c as Buffer);
    return {
      recipients: recipients.length,
      hybrid: recipients.filter((r) => r.pq).length,
      bytes,
      sha256: h.digest('hex'),
    };
  } finally {
    rmSync(clear, { force: true });
  }
}
