import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Where one kind of worker lives: its TypeScript source and its file in the esbuild bundle. */
export interface WorkerEntry {
  /** The worker's .ts file, as `new URL('./x-worker.ts', import.meta.url)` from the pool that starts it. */
  source: URL;
  /** Its bundled file beside the bundled entry point (build/bundle-node.mjs), e.g. `chain-digest-worker.mjs`. */
  bundled: string;
}

const here = fileURLToPath(import.meta.url);
/** True when this module runs from source (tsx, vitest, Playwright), false inside the esbuild bundle. */
export const fromSource = here.endsWith('.ts');

/**
 * Starts a worker thread. From source it runs behind a boot script that registers tsx first (worker
 * threads do not inherit `--import tsx` on Node 20); from the bundle, all code of the process is one
 * file and the worker is the file `entry.bundled` beside it.
 */
export function startThread(entry: WorkerEntry): Worker {
  if (!fromSource) return new Worker(join(dirname(here), entry.bundled));
  // The ESM build of tsx's register API (package exports './esm/api' → import).
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.source.href)}); });`;
  return new Worker(boot, { eval: true });
}
