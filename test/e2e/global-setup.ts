import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, RENDERER_DIST } from './support/paths';

/** Newest modification time of any file under `dir` (source folders only; small trees). */
function newest(dir: string): number {
  let max = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) max = Math.max(max, newest(p));
    else max = Math.max(max, statSync(p).mtimeMs);
  }
  return max;
}

/**
 * The tests drive the built renderer (dist/renderer), exactly what Electron would load. Build it
 * once before the run unless it is already newer than every source it is made from.
 */
export default function globalSetup(): void {
  const index = join(RENDERER_DIST, 'index.html');
  const sources = Math.max(
    newest(join(REPO_ROOT, 'renderer')),
    newest(join(REPO_ROOT, 'shared')),
    statSync(join(REPO_ROOT, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs > sources) return;
  console.log('e2e: building the renderer (vite build)…');
  const vite = [
    process.execPath,
    join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
    'build',
    '--logLevel',
    'warn',
  ];
  // Several checkouts' test runs may share a machine; one build at a time into dist/renderer.
  const [cmd, ...args] = existsSync('/usr/bin/flock')
    ? ['/usr/bin/flock', '/tmp/arx-renderer-build.lock', ...vite]
    : vite;
  execFileSync(cmd!, args, { cwd: REPO_ROOT, stdio: 'inherit' });
}
