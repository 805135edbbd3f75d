/**
 * BLAKE3 implementations for the audit chain, measured on the chain's own workloads:
 *   - event digests over ~1 KB events (d_i = BLAKE3("arx/event/v1" ‖ bytes), the parallel step),
 *   - chain links (h_i over an 84-byte preimage, the sequential step),
 *   - one large buffer (raw throughput),
 * against native `b3sum` over the same bytes.
 *
 *   npx tsx test/bench/blake3.bench.ts
 *
 * Candidates that are not dependencies of the project can be measured by installing them
 * elsewhere and pointing ARX_BENCH_MODULES at that node_modules folder, e.g.
 *   (cd /tmp/b3 && npm i blake3-jit @napi-rs/blake-hash blake3-wasm@2)
 *   ARX_BENCH_MODULES=/tmp/b3/node_modules npx tsx test/bench/blake3.bench.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadBlake3 } from '../../electron/main/crypto/blake3';
import { chainLink, eventDigest, nobleBlake3, type Blake3 } from '../../shared/chain';
import { toHex, utf8 } from '../../shared/bytes';

const EVENTS = 4096;
const EVENT_SIZE = 1024;
const LARGE = 64 << 20;
const SECONDS = Number(process.env.ARX_BENCH_SECONDS ?? 1.5);

function makeEvents(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const head = `{"specversion":"1.0","id":"evt-${i}","source":"arx.gateway/3f2504e0-4f89-41d3-9a0c-0305e82c3301","type":"com.arx.gateway.decided","sequence":"${i}","data":"`;
    out.push(utf8(head.padEnd(EVENT_SIZE - 2, String.fromCharCode(97 + (i % 26))) + '"}'));
  }
  return out;
}

/** Runs `fn` repeatedly for about SECONDS and returns operations per second. */
function rate(fn: () => number): number {
  fn(); // warm-up
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) ops += fn();
  return ops / ((performance.now() - start) / 1000);
}

/** Adapters for candidates found via ARX_BENCH_MODULES (absent ones are skipped, and said so). */
async function optionalCandidates(): Promise<Blake3[]> {
  const dir = process.env.ARX_BENCH_MODULES;
  if (!dir) return [];
  const req = createRequire(path.join(path.resolve(dir), 'noop.js'));
  const load = async (name: string): Promise<Record<string, unknown> | undefined> => {
    try {
      return (await import(req.resolve(name))) as Record<string, unknown>;
    } catch {
      console.log(`  (${name}: not installed in ${dir})`);
      return undefined;
    }
  };
  const out: Blake3[] = [];
  const simple = (name: string, hash: (d: Uint8Array) => Uint8Array): Blake3 => ({
    name,
    hash,
    hashParts: (parts) => {
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      return hash(all);
    },
    createHasher: () => {
      throw new Error('not benchmarked');
    },
  });
  const jit = await load('blake3-jit');
  if (jit) out.push(simple('blake3-jit (JS + WASM SIMD)', jit.hash as (d: Uint8Array) => Uint8Array));
  const napi = await load('@napi-rs/blake-hash');
  if (napi)
    out.push(
      simple('@napi-rs/blake-hash (native)', (d) => new Uint8Array((napi.blake3 as (d: Uint8Array) => Uint8Array)(d))),
    );
  try {
    const b3w = req('blake3-wasm/dist/node') as { hash: (d: Uint8Array) => Uint8Array };
    out.push(simple('blake3-wasm 2.x (WASM)', (d) => new Uint8Array(b3w.hash(d))));
  } catch {
    console.log(`  (blake3-wasm: not installed in ${dir})`);
  }
  return out;
}

function b3sumSeconds(args: string[]): number {
  const start = performance.now();
  execFileSync('b3sum', args, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 64 << 20 });
  return (performance.now() - start) / 1000;
}

async function main(): Promise<void> {
  const events = makeEvents();
  const large = new Uint8Array(LARGE);
  for (let i = 0; i < LARGE; i++) large[i] = (i * 31 + (i >>> 9)) & 255;
  const prev = new Uint8Array(32).fill(1);
  const digest = new Uint8Array(32).fill(2);

  console.log(
    `BLAKE3 benchmark — Node ${process.version}, ${EVENTS} events of ${EVENT_SIZE} B, ${LARGE >> 20} MiB buffer, ~${SECONDS}s per figure\n`,
  );
  const impls: Blake3[] = [nobleBlake3, await loadBlake3(), ...(await optionalCandidates())];
  const reference = toHex(eventDigest(nobleBlake3, events[7]!)) + toHex(nobleBlake3.hash(large));

  const rows: string[][] = [
    ['implementation', '1 KB events MB/s', 'events/s', 'chain links/s', `${LARGE >> 20} MiB MB/s`],
  ];
  for (const b3 of impls) {
    if (toHex(eventDigest(b3, events[7]!)) + toHex(b3.hash(large)) !== reference)
      throw new Error(`${b3.name} disagrees with @noble/hashes`);
    const ev = rate(() => {
      for (const e of events) eventDigest(b3, e);
      return EVENTS;
    });
    const links = rate(() => {
      for (let i = 0; i < 4096; i++) chainLink(b3, i, prev, digest);
      return 4096;
    });
    const big = rate(() => {
      b3.hash(large);
      return 1;
    });
    rows.push([
      b3.name,
      ((ev * EVENT_SIZE) / 1e6).toFixed(0),
      ev.toFixed(0),
      links.toFixed(0),
      ((big * LARGE) / 1e6).toFixed(0),
    ]);
  }

  // Native b3sum over the same bytes, minus its start-up time (measured on an empty file).
  const dir = mkdtempSync(path.join(tmpdir(), 'arx-b3-bench-'));
  try {
    writeFileSync(path.join(dir, 'empty'), new Uint8Array(0));
    // b3sum is fast enough that 64 MiB is mostly start-up: give it the buffer four times over.
    const REPEAT = 4;
    writeFileSync(path.join(dir, 'large'), Buffer.concat(Array.from({ length: REPEAT }, () => large)));
    const files = events.map((e, i) => {
      const f = path.join(dir, `e${i}`);
      writeFileSync(f, e);
      return f;
    });
    const startup = Math.min(...[0, 1, 2].map(() => b3sumSeconds(['--no-names', path.join(dir, 'empty')])));
    const best = (args: string[]) =>
      Math.max(1e-6, Math.min(...[0, 1, 2, 3, 4].map(() => b3sumSeconds(args))) - startup);
    const filesS = best(['--no-names', ...files]);
    const oneThread = best(['--no-names', '--num-threads', '1', path.join(dir, 'large')]);
    const allThreads = best(['--no-names', path.join(dir, 'large')]);
    rows.push([
      'b3sum, 1 thread (files of 1 KB / one file)',
      ((EVENTS * EVENT_SIZE) / filesS / 1e6).toFixed(0),
      (EVENTS / filesS).toFixed(0),
      '-',
      ((REPEAT * LARGE) / oneThread / 1e6).toFixed(0),
    ]);
    rows.push(['b3sum, all cores', '-', '-', '-', ((REPEAT * LARGE) / allThreads / 1e6).toFixed(0)]);
  } catch (e) {
    rows.push(['b3sum', `not available: ${(e as Error).message.split('\n')[0]}`, '', '', '']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows)
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}

await main();
