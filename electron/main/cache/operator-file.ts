/**
 * Which cache file an operator gets (docs/cache.md "One file per operator"): their own, named
 * after the EDIPI of their validated login certificate. A file from before caches were per
 * operator becomes the file of the first operator who logs in with a card it is wrapped to;
 * anybody else gets a file of their own and the old one waits for its owner.
 */
import { existsSync } from 'node:fs';
import { ArxFailure } from '../../../shared/contract';
import type { ArxConfig } from '../config/config';
import { cacheFileOf, legacyCacheFileOf } from './cache-binding';
import { LocalCache } from './local-cache';

export function operatorCacheFile(
  config: ArxConfig,
  edipi: string,
  workstation: string,
  /** The logged-in card's recipient id (SHA-256 of its 9D public key); null: no card (recovery). */
  cardRecipient: string | null,
  log: (line: string) => void,
): string {
  const file = cacheFileOf(config, edipi, workstation);
  const legacy = new LocalCache({ file: legacyCacheFileOf(config), workstationId: workstation, limitBytes: 0 });
  if (cardRecipient === null || !legacy.exists() || existsSync(file)) return file;
  try {
    if (!legacy.wrappedTo(cardRecipient)) return file;
  } catch (err) {
    // A damaged or newer legacy file is left where it is, for its owner to rebuild or recover.
    log(`cache: the shared cache file was not checked (${(err as ArxFailure).code ?? 'error'})`);
    return file;
  }
  legacy.moveTo(file);
  log(`cache: the shared cache file is now the file of the operator whose card opens it (${file})`);
  return file;
}
