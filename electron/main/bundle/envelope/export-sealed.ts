import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { ArxFailure } from '../../../../shared/contract';
import { recipientFromFile, type EnvelopeRecipient } from './keys';

/**
 * The recipients of an export: each PEM text a certificate (and ML-KEM key), then each recipient
 * file (named by path; the boundary checked each; PEM or DER, read as bytes), then the recovery
 * key (its PEM text, or its file). BUNDLE_RECIPIENT_INVALID, naming the file, for one that holds
 * no certificate to encrypt to; BUNDLE_RECOVERY_KEY_INVALID for a recovery key that is none.
 */
export function exportRecipients(req: {
  encryptTo: string[];
  recoveryKey: string | null;
  recipientFiles?: string[];
  recoveryKeyFile?: string | null;
}): EnvelopeRecipient[] {
  // latin1: a text field maps each char to one byte (a PEM is ASCII; no UTF-8 re-encoding of bytes).
  const out = req.encryptTo.map((pem, i) =>
    recipientFromFile(Buffer.from(pem, 'latin1'), `recipient ${i + 1}`, 'card'),
  );
  for (const file of req.recipientFiles ?? []) out.push(recipientFromFile(readRecipientFile(file), file, 'card'));
  if (req.recoveryKey !== null && req.recoveryKeyFile)
    throw new ArxFailure('INVALID_REQUEST', 'Give the recovery key as text or as a file, not both.', {
      path: 'recoveryKeyFile',
    });
  if (req.recoveryKey !== null)
    out.push(recipientFromFile(Buffer.from(req.recoveryKey, 'latin1'), 'the recovery key', 'recovery'));
  if (req.recoveryKeyFile)
    out.push(recipientFromFile(readRecipientFile(req.recoveryKeyFile), req.recoveryKeyFile, 'recovery'));
  return out;
}

function readRecipientFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ArxFailure('BUNDLE_RECIPIENT_INVALID', `${file} cannot be read: ${(e as Error).message}`, { file });
  }
}

/** What the export's answer says of the encrypted file: recipients, hybrid stanzas, size and SHA-256. */
export async function sealedSummary(
  out: string,
  recipients: EnvelopeRecipient[],
  bytes: number,
): Promise<{ recipients: number; hybrid: number; bytes: number; sha256: string; recovery: boolean }> {
  const h = createHash('sha256');
  for await (const c of createReadStream(out)) h.update(c as Buffer);
  return {
    recipients: recipients.length,
    hybrid: recipients.filter((r) => r.pq).length,
    bytes,
    sha256: h.digest('hex'),
    recovery: recipients.some((r) => r.role === 'recovery'),
  };
}
