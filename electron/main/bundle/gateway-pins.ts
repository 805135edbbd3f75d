import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual } from '../../../shared/bytes';
import { parseVerifierKey } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';

/**
 * Gateway keys pinned by the auditor (docs/bundle-format.md §5.1): without them, the keys a bundle's
 * checkpoints are checked with come from the bundle's gateway-keys.json, vouched for only by the
 * exporter's signature. With them, a checkpoint counts only if one of these keys signed it, inside
 * the key's pinned window as the control plane registered it (the bundle's claimed window can only
 * narrow it: an exporter holding a revoked key cannot widen its window).
 *
 * File: `gateway-keys.txt` in the auditor's trust directory (`arx bundle verify --trust DIR`; or in
 * DIR/anchors/) and, for the console, in its configured trust-anchor directory. One C2SP note
 * verifier key per line (`<name>+<key id hex>+<base64(0x01 ‖ Ed25519 public key)>`, what a
 * checkpoint's gateway publishes and chain-format §3 describes), then its window:
 * `valid-from=TIME valid-to=TIME|open [revoked-at=TIME]`, TIME as YYYY-MM-DDTHH:MM:SS.sssZ. A line
 * with the key alone (a file from before windows were pinned) is accepted, its window then the
 * bundle's, and reported. Blank lines and lines starting with `#` are ignored. Anchors directories
 * only read certificate extensions, so the file never disturbs them.
 */
export const GATEWAY_KEYS_FILE = 'gateway-keys.txt';

/** A pinned window: validFrom ≤ t < validTo (null: open), revocation already folded into validTo. */
export interface PinnedWindow {
  from: Date;
  to: Date | null;
}

export interface PinnedGatewayKey {
  name: string;
  publicKey: Uint8Array;
  /** null: pinned without a window (an older file); the bundle's window is used, with a warning. */
  window: PinnedWindow | null;
}

export interface GatewayPins {
  file: string;
  keys: PinnedGatewayKey[];
}

const PIN_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$/;
const FIELDS = ['valid-from', 'valid-to', 'revoked-at'] as const;

/** The window fields after a pinned key: none (an older file), or valid-from and valid-to, optionally revoked-at. */
export function parsePinnedWindow(fields: readonly string[]): PinnedWindow | null | string {
  if (fields.length === 0) return null;
  // In this order only, as verify.sh reads them: valid-from, valid-to, then revoked-at if revoked.
  const got = new Map<string, string>();
  for (const [i, f] of fields.entries()) {
    const eq = f.indexOf('=');
    if (i > 2 || eq < 0 || f.slice(0, eq) !== FIELDS[i])
      return `"${f.slice(0, 40)}" where ${FIELDS[i] ?? 'the end of the line'}= belongs (valid-from=TIME valid-to=TIME|open [revoked-at=TIME])`;
    got.set(FIELDS[i]!, f.slice(eq + 1));
  }
  const from = got.get('valid-from');
  const to = got.get('valid-to');
  const revoked = got.get('revoked-at');
  if (from === undefined || to === undefined) return 'a window needs valid-from and valid-to (open when it has no end)';
  for (const [k, v] of [
    ['valid-from', from],
    ['valid-to', to === 'open' ? undefined : to],
    ['revoked-at', revoked],
  ] as const)
    if (v !== undefined && (!PIN_TIME.test(v) || Number.isNaN(Date.parse(v))))
      return `${k} is not a time YYYY-MM-DDTHH:MM:SS.sssZ`;
  const ends = [to === 'open' ? null : new Date(to), revoked === undefined ? null : new Date(revoked)].filter(
    (d): d is Date => d !== null,
  );
  const end = ends.length ? new Date(Math.min(...ends.map((d) => d.getTime()))) : null;
  const start = new Date(from);
  if (end && end < start) return 'the window ends before it starts';
  return { from: start, to: end };
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
    return { file, keys: parsePins(text, file) };
  }
  return null;
}

/** The pin file's lines; a malformed one is BUNDLE_TRUST_INVALID naming the file and line. */
export function parsePins(text: string, file: string): PinnedGatewayKey[] {
  const keys: PinnedGatewayKey[] = [];
  const bad = (line: number, why: string) =>
    new ArxFailure('BUNDLE_TRUST_INVALID', `${file} line ${line}: ${why}`, { path: 'trust', file, line });
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [key, ...fields] = line.split(/[ \t]+/);
    const k = parseVerifierKey(key!);
    if (!k.ok) throw bad(i + 1, `not a gateway verifier key (<name>+<key id>+<base64>): ${k.error.message}`);
    const window = parsePinnedWindow(fields);
    if (typeof window === 'string') throw bad(i + 1, `the window of ${k.value.name}: ${window}`);
    if (keys.some((p) => p.name === k.value.name && bytesEqual(p.publicKey, k.value.publicKey)))
      throw bad(i + 1, `${k.value.name} is pinned twice`);
    keys.push({ name: k.value.name, publicKey: k.value.publicKey, window });
  }
  // An empty pin file would silently trust no gateway (every checkpoint fails): say so instead.
  if (keys.length === 0)
    throw new ArxFailure(
      'BUNDLE_TRUST_INVALID',
      `${file} holds no gateway key: add the gateway verifier keys you trust, or remove the file.`,
      { path: 'trust', file },
    );
  return keys;
}

/** The pin of this key (same name and public key), or undefined. */
export const pinOf = (pins: GatewayPins, name: string, publicKey: Uint8Array): PinnedGatewayKey | undefined =>
  pins.keys.find((k) => k.name === name && bytesEqual(k.publicKey, publicKey));
