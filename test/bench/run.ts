// `npm run bench`: every benchmark, one after the other; each prints its figures and ratios.
import { spawnSync } from 'node:child_process';

for (const b of ['blake3', 'policy', 'chain', 'card']) {
  console.log(`\n=== ${b}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `test/bench/${b}.bench.ts`], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
