import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, rmSync } from 'node:fs';
import { ArxFailure } from '../../../../shared/contract';
import { recipientFromFile, type EnvelopeRecipient } from './keys';
import { sealBundleFile } from './seal';

/** The recipients of an export: each PEM text a certificate (and ML-KEM key), then the recovery key. */
export function exportRecipients(encryptTo: string[], recoveryKey: string | null): EnvelopeRecipient[] {
  const out = encryptTo.map((pem, i) => recipientFromFile(Buffer.from(pem), `recipient ${i + 1}`, 'card'));
  if (recoveryKey !== null) out.push(recipientFromFile(Buffer.from(recoveryKey), 'the recovery key', 'recovery'));
  return out;
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
