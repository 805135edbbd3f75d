/**
 * What the cache is bound to: this workstation, the file's place in the data directory, and the
 * keys its data key is wrapped to (the operator's card, the organisation's recovery key).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ArxFailure } from '../../../shared/contract';
import type { LoggedInCard } from '../card/operator-auth';
import type { ArxConfig } from '../config/config';
import { recipientFromCertificate, recipientFromRecoveryFile, type Recipient, type Unwrapper } from './key-wrap';

/** This workstation's identity for the cache binding: a digest of the OS machine id (or the host name). */
export function workstationId(): string {
  for (const f of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = readFileSync(f, 'utf8').trim();
      if (id) return createHash('sha256').update(`arx-workstation\0${id}`).digest('hex');
    } catch {
      // next source
    }
  }
  return createHash('sha256').update(`arx-workstation\0host\0${hostname()}`).digest('hex');
}

/** The file of a console from before caches were per operator (adopted by the operator whose card it opens). */
export const legacyCacheFileOf = (config: ArxConfig) => join(config.dataDir, 'cache', 'evidence-cache.db');

/**
 * The cache file of the operator with this EDIPI (from the login certificate that was validated at
 * login, never a name typed in): one file per operator on a shared workstation. The name is a
 * digest (salted with the workstation id) so that a directory listing does not name the operators.
 */
export function cacheFileOf(config: ArxConfig, edipi: string, workstation = workstationId()): string {
  const digest = createHash('sha256').update(`arx-cache operator v1\0${workstation}\0${edipi}`).digest('hex');
  return join(config.dataDir, 'cache', `evidence-cache-${digest.slice(0, 32)}.db`);
}

/** Every cache file in the data directory (the legacy one and each operator's). */
export function cacheFilesIn(config: ArxConfig): string[] {
  const dir = join(config.dataDir, 'cache');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => /^evidence-cache(-[0-9a-f]{32})?\.db$/.test(n)).map((n) => join(dir, n));
}

/** The card as an unwrapper and a recipient (its 9D key). CARD_CERT_MISSING without one. */
export function cardKey(card: LoggedInCard): { recipient: Recipient; unwrapper: Unwrapper } {
  const cert = card.keyManagementCertificate?.() ?? null;
  if (!cert)
    throw new ArxFailure(
      'CARD_CERT_MISSING',
      'The card has no Key Management certificate (9D): the cache key cannot be bound to it.',
    );
  const recipient = recipientFromCertificate(cert.der, 'card');
  const unwrapper: Unwrapper = { id: recipient.id, kind: recipient.kind, describe: 'card', self: recipient };
  if (card.deriveSharedSecret) unwrapper.deriveSharedSecret = (p) => card.deriveSharedSecret!(p);
  if (card.decryptOaep) unwrapper.decryptOaep = (c) => card.decryptOaep!(c);
  return { recipient, unwrapper };
}

/** The organisation's recovery key as a recipient, when the configuration names one. */
export function recoveryRecipient(config: ArxConfig): Recipient | null {
  const file = config.cache?.recoveryPublicKey;
  if (!file) return null;
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch {
    throw new ArxFailure('CACHE_RECOVERY_KEY_INVALID', `The recovery public key ${file} cannot be read.`, { file });
  }
  return recipientFromRecoveryFile(content, file);
}
