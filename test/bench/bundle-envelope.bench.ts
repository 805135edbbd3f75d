/**
 * `arx bundle verify` of an encrypted bundle against the same bundle in clear, in the same run:
 * the envelope's cost (open the stanza; the decryption worker decrypts each chunk a few slots ahead of
 * the verifier's reading) on top of the verification. Also the CPU time of all threads per round,
 * which says what the envelope costs when the wall-clock time is blurred by other load. The bundle is a structurally sound unsigned chain of ~1 KB events (its signature
 * checks fail alike in both runs); it is sealed hybrid (ML-KEM-1024 + ECDH P-384) to a recovery key.
 *
 *   npx tsx test/bench/bundle-envelope.bench.ts      (ARX_BENCH_EVENTS, default 100000; ARX_BENCH_ROUNDS, default 2)
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { recipientFromFile, recoveryOpener } from '../../electron/main/bundle/envelope/keys';
import { sealBundleFile } from '../../electron/main/bundle/envelope/seal';
import { verifyPossiblyEncrypted } from '../../electron/main/bundle/envelope/verify-encrypted';
import { loadBlake3 } from '../../electron/main/crypto/blake3';
import { generateMlKemKey, mlKemPrivatePem, mlKemPublicPem } from '../../electron/main/crypto/hybrid-kem';
import { chainBundle } from '../unit/bundle/chain-bundle';

const EVENTS = Number(process.env.ARX_BENCH_EVENTS ?? 100_000);
const ROUNDS = Number(process.env.ARX_BENCH_ROUNDS ?? 2);
const trust = { store: { anchors: [], intermediates: [], crls: [] }, policy: {} };

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'arx-bench-envelope-'));
  try {
    const b3 = await loadBlake3();
    const clear = join(dir, 'clear.arxbundle');
    writeFileSync(clear, chainBundle(b3, EVENTS));
    const ec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const kem = generateMlKemKey();
    const pub = `${ec.publicKey.export({ type: 'spki', format: 'pem' }) as string}${mlKemPublicPem(kem.encapsulationKey)}`;
    const priv = `${ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string}${mlKemPrivatePem(kem.seed)}`;
    const sealed = join(dir, 'sealed.arxbundle');
    let t = performance.now();
    sealBundleFile(clear, sealed, [recipientFromFile(Buffer.from(pub), 'pub', 'recovery')]);
    const sealMs = performance.now() - t;
    const opener = recoveryOpener(Buffer.from(priv), null, 'priv');
    const opts = { trust, blake3: b3, replayDecisions: false };
    // Untimed: start the hash worker and warm the page cache for both files.
    for (const file of [clear, sealed]) await verifyPossiblyEncrypted(file, opts, { openers: async () => [opener] });
    const times = { clear: [] as number[], encrypted: [] as number[] };
    const cpu = { clear: [] as number[], encrypted: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, file] of [
        ['clear', clear],
        ['encrypted', sealed],
      ] as const) {
        const c = process.cpuUsage();
        t = performance.now();
        const { report } = await verifyPossiblyEncrypted(file, opts, {
          openers: async () => [opener],
        });
        if (report.fatal) throw new Error(`${name}: ${report.fatal.code}`);
        times[name].push(performance.now() - t);
        const used = process.cpuUsage(c);
        cpu[name].push((used.user + used.system) / 1000);
      }
    }
    const best = (xs: number[]) => Math.min(...xs);
    const mb = statSync(clear).size / 2 ** 20;
    console.log(
      `bundle: ${EVENTS.toLocaleString('en-US')} events, ${mb.toFixed(0)} MiB; seal ${(sealMs / 1000).toFixed(2)} s`,
    );
    console.log(
      `verify clear     best of ${ROUNDS}: ${(best(times.clear) / 1000).toFixed(2)} s  (${times.clear.map((x) => (x / 1000).toFixed(2)).join(', ')})`,
    );
    console.log(
      `verify encrypted best of ${ROUNDS}: ${(best(times.encrypted) / 1000).toFixed(2)} s  (${times.encrypted.map((x) => (x / 1000).toFixed(2)).join(', ')})`,
    );
    console.log(`ratio encrypted/clear: ${(best(times.encrypted) / best(times.clear)).toFixed(3)}× (goal ≤ 1.15×)`);
    const cpuText = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
    console.log(`cpu, all threads, per round: clear ${cpuText(cpu.clear)} s; encrypted ${cpuText(cpu.encrypted)} s`);
    console.log(
      `load average: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
