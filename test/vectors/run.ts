import { join } from 'node:path';
import { nobleBlake3 } from '../../shared/chain';
import { loadBundleTrust } from '../../electron/main/bundle/trust';
import { verifyBundle } from '../../electron/main/bundle/verify';

/** What `arx bundle verify` concludes of one vector: its exit code and the sorted finding codes. */
export async function runVector(
  dir: string,
  file: string,
): Promise<{ exit: number; codes: string[]; warnings: string[] }> {
  const trust = loadBundleTrust(join(dir, 'trust'));
  const r = await verifyBundle(join(dir, 'vectors', file), { trust, blake3: nobleBlake3, hashWorker: false });
  if (r.fatal) return { exit: 2, codes: [r.fatal.code], warnings: [] };
  const codes = r.checks.flatMap((c) => c.findings.map((f) => f.code));
  // The post-quantum result is reported apart (bundle-format §11): an invalid one counts as a finding.
  if (r.pq?.state === 'invalid' && r.pq.code) codes.push(r.pq.code);
  for (const q of r.pqReviews ?? []) if (q.state === 'invalid' && q.code) codes.push(q.code);
  codes.sort();
  return { exit: r.ok ? 0 : 1, codes, warnings: r.warnings.map((w) => w.code).sort() };
}

if (process.argv[1]?.endsWith('run.ts')) {
  const dir = process.argv[2]!;
  void (async () => {
    for (const f of process.argv.slice(3)) console.log(f, JSON.stringify(await runVector(dir, f)));
  })();
}
