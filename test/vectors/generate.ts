/**
 * Generates the bundle conformance vectors (docs/conformance/): every vector of list.ts, built
 * from the fixed seed and the committed test PKI, with manifest.json naming each one's exit code
 * and finding codes. Deterministic: run again, the same bytes.
 *
 *   npx tsx test/vectors/generate.ts [--new-pki] [DIR]
 *
 * --new-pki first issues a new test PKI into DIR/trust and DIR/inputs (random CA signatures:
 * every vector changes); without it the committed one is used.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519Signer, formatVerifierKey } from '../../shared/checkpoint';
import { derive, GATEWAY_KEY, REVOKED_AT, REVOKED_GATEWAY_KEY, sha256Hex, SLUG, TENANT } from './model';
import { writeVectorPki } from './pki';
import { VECTORS } from './list';
import { context } from './vectors';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CONFORMANCE_DIR = resolve(HERE, '../../docs/conformance');

export interface VectorManifestEntry {
  file: string;
  class: string;
  description: string;
  exit: number;
  codes: string[];
  warnings: string[];
  sha256: string;
}

/** Every vector's file name and bytes, and the manifest describing them. */
export function generate(dir = CONFORMANCE_DIR): { files: Map<string, Uint8Array>; manifest: string } {
  const ctx = context(dir);
  const files = new Map<string, Uint8Array>();
  const entries: VectorManifestEntry[] = [];
  for (const v of VECTORS) {
    const file = `${v.name}.arxbundle`;
    const bytes = v.make(ctx);
    files.set(file, bytes);
    entries.push({
      file,
      class: v.class,
      description: v.description,
      exit: v.exit,
      codes: v.codes,
      warnings: v.warnings ?? [],
      sha256: sha256Hex(bytes),
    });
  }
  const vkey = (name: string, seed: string) => formatVerifierKey(name, ed25519Signer(name, derive(seed)).publicKey);
  // As `arx admin gateway-key export` writes it: each key with its window, the revoked one's ended.
  const pin = [
    `# tenant ${SLUG} (${TENANT})`,
    `# ${REVOKED_GATEWAY_KEY}: revoked`,
    `${vkey(REVOKED_GATEWAY_KEY, 'revoked-gateway-key')} valid-from=2026-10-01T00:00:00.000Z valid-to=${REVOKED_AT} revoked-at=${REVOKED_AT}`,
    `${vkey(GATEWAY_KEY, 'gateway-key')} valid-from=2026-11-01T00:00:00.000Z valid-to=open`,
    '',
  ].join('\n');
  files.set('../trust/gateway-keys.txt', new TextEncoder().encode(pin));
  const manifest = `${JSON.stringify({ format: 'arx-bundle-conformance', version: 2, seed: 'arx-conformance/1', trust: 'trust', vectors: entries }, null, 2)}\n`;
  return { files, manifest };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = resolve(args.find((a) => !a.startsWith('--')) ?? CONFORMANCE_DIR);
  if (args.includes('--new-pki')) await writeVectorPki(dir, derive('exporter-key'));
  const out = join(dir, 'vectors');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const { files, manifest } = generate(dir);
  for (const [name, bytes] of files) writeFileSync(join(out, name), bytes);
  writeFileSync(join(dir, 'manifest.json'), manifest);
  console.log(`${readdirSync(out).length} vectors in ${out}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
