// `npm run bench`: every benchmark (test/bench/*.bench.ts), one after the other; each prints its
// figures and ratios. `npm run bench -- chain policy` runs only those.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')} (known: ${all.join(', ')})`);
  process.exit(2);
}
for (const b of wanted.length ? wanted : all) {
  console.log(`\n=== ${b}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${here}/${b}.bench.ts`], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
