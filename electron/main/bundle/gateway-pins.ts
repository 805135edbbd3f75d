import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual } from '../../../shared/bytes';
import { parseVerifierKey } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';

/**
 * Gateway keys pinned by the auditor (docs/bundle-format.md §5.3): without them, the keys a bundle's
 * checkpoints are checked with come from the bundle's gateway-keys.json, vouched for only by the
 * exporter's signature. With them, a checkpoint counts only if one of these keys signed it.
 *
 * File: `gateway-keys.txt` in the auditor's trust directory (`arx bundle verify --trust DIR`; or in
 * DIR/anchors/) and, for the console, in its configured trust-anchor directory. One C2SP note
 * verifier key per line (`<name>+<key id hex>+<base64(0x01 ‖ Ed25519 public key)>`, what a
 * checkpoint's gateway publishes and chain-format §3 describes); blank lines and lines starting
 * with `#` are ignored. Anchors directories only read certificate extensions, so the file never
 * disturbs them.
 */
export const GATEWAY_KEYS_FILE = 'gateway-keys.txt';

export interface PinnedGatewayKey {
  name: string;
  publicKey: Uint8Array;
}

export interface GatewayPins {
  file: string;
  keys: PinnedGatewayKey[];
}

/** The first `gateway-keys.txt` in `dirs`, parsed; null when none exists. Malformed: BUNDLE_TRUST_INVALID with the line. */
export function loadGatewayPins(dirs: readonly (string | null | undefined)[]): GatewayPins | null {
  for (const dir of dirs) {
    if (!dir) continue;
    const file = join(dir, GATEWAY_KEYS_FILE);
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ArxFailure('BUNDLE_TRUST_INVALID', `Cannot read ${file}: ${(e as Error).message}.`, {
        path: 'trust',
        file,
      });
    }
    const keys: PinnedGatewayKey[] = [];
    for (const [i, raw] of text.split('\n').entries()) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const k = parseVerifierKey(line);
      if (!k.ok)
        throw new ArxFailure(
          'BUNDLE_TRUST_INVALID',
          `${file} line ${i + 1} is not a gateway verifier key (<name>+<key id>+<base64>): ${k.error.message}`,
          { path: 'trust', file, line: i + 1 },
        );
      keys.push({ name: k.value.name, publicKey: k.value.publicKey });
    }
    // An empty pin file would silently trust no gateway (every checkpoint fails): say so instead.
    if (keys.length === 0)
      throw new ArxFailure(
        'BUNDLE_TRUST_INVALID',
        `${file} holds no gateway key: add the gateway verifier keys you trust, or remove the file.`,
        { path: 'trust', file },
      );
    return { file, keys };
  }
  return null;
}

export const isPinned = (pins: GatewayPins, name: string, publicKey: Uint8Array): boolean =>
  pins.keys.some((k) => k.name === name && bytesEqual(k.publicKey, publicKey));
