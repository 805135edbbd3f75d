import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ArxFailure } from '../../../shared/contract';
import type { ArxConfig } from '../config/config';
import type { LocalCache } from './local-cache';

/**
 * Keeps the trust anchors, intermediates and CRLs in use (the configured directories) in the
 * cache, so that what certificates were checked against is at hand offline. Re-fetchable.
 */
export function snapshotTrust(cache: LocalCache, config: ArxConfig): number {
  const { trustAnchors, intermediates, crls } = config.card ?? {};
  let n = 0;
  for (const [kind, dir] of [
    ['trust-anchor', trustAnchors],
    ['trust-anchor', intermediates],
    ['crl', crls],
  ] as const) {
    if (!dir) continue;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const file = join(dir, name);
      try {
        if (!statSync(file).isFile()) continue;
        const bytes = readFileSync(file);
        cache.put(
          kind,
          file,
          { file, sha256: createHash('sha256').update(bytes).digest('hex'), base64: bytes.toString('base64') },
          { refetchable: true },
        );
        n++;
      } catch (err) {
        if (err instanceof ArxFailure) throw err;
      }
    }
  }
  return n;
}
