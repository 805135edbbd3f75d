/**
 * The published manual check, docs/verify.sh, on bundles of 10k and 100k events: wall-clock seconds
 * of `sh verify.sh BUNDLE TRUST_DIR` with the real tools (openssl, sha256sum, b3sum, tar), and the
 * events per second. The bundles are built like the conformance vectors (test/vectors: the same
 * seed, test PKI and pinned gateway key, checkpoints at half the range and at its end), with
 * gateway events of about 450 bytes. Every run must say VERIFIED, or the bench throws.
 *
 *   npm run bench -- verify-sh         (ARX_BENCH_VERIFY_SH_SIZES=10000,100000 by default)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeEvent, type ArxEvent } from '../../shared/events';
import { CONFORMANCE_DIR } from '../vectors/generate';
import { bodyMembers, derive, GATEWAY_KEY, readInputs, seal, TENANT, type Model } from '../vectors/model';
import { writeTar } from '../vectors/tar';

const sizes = (process.env.ARX_BENCH_VERIFY_SH_SIZES ?? '10000,100000').split(',').map(Number);

function events(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let seq = 0; seq < n; seq++) {
    const t = new Date(Date.UTC(2026, 10, 2, 9) + seq * 10).toISOString().replace('Z', '000Z');
    const e = {
      specversion: '1.0',
      id: `req-${seq >> 1}:${seq}`,
      source: '/arx/gateway/bench',
      type: seq % 2 ? 'com.arx.response.returned' : 'com.arx.request.received',
      subject: 'user-0001',
      time: t,
      datacontenttype: 'application/json',
      sequence: String(seq),
      arxtenant: TENANT,
      arxwriter: 'gateway/arx_gateway',
      data:
        seq % 2
          ? { requestId: `req-${seq >> 1}`, status: 'ok', latencyMs: 900 + (seq % 97), totalTokens: 140 }
          : {
              requestId: `req-${seq >> 1}`,
              user: 'user-0001',
              team: 'team-01',
              provider: 'anthropic',
              model: 'claude-test',
              classification: 'UNCLASSIFIED',
              jurisdiction: 'US',
              purpose: 'bench',
              promptTokens: 100,
              estimatedCostCents: 1,
            },
    } as unknown as ArxEvent;
    out.push(serializeEvent(e));
  }
  return out;
}

const inputs = readInputs(CONFORMANCE_DIR);
const dir = mkdtempSync(join(tmpdir(), 'arx-bench-verify-sh-'));
try {
  console.log(
    `verify.sh bench, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const n of sizes) {
    const m: Model = {
      version: 2,
      from: 1,
      to: n - 1,
      events: events(n),
      checkpointSizes: [Math.floor(n / 2), n],
      gatewaySeed: derive('gateway-key'),
      gatewayKeyName: GATEWAY_KEY,
      keyValidFrom: '2026-11-01T00:00:00.000Z',
      keyValidTo: null,
      createdAt: '2026-11-03T12:00:00.000Z',
    };
    const file = join(dir, `bundle-${n}.arxbundle`);
    writeFileSync(file, writeTar(seal(bodyMembers(m, inputs), m, inputs)));
    const t0 = performance.now();
    const r = spawnSync('sh', ['docs/verify.sh', file, join(CONFORMANCE_DIR, 'trust')], { encoding: 'utf8' });
    const s = (performance.now() - t0) / 1000;
    if (r.status !== 0 || !r.stdout.includes('VERIFIED'))
      throw new Error(`verify.sh failed on ${n} events:\n${r.stdout}${r.stderr}`);
    const mb = statSync(file).size / 1e6;
    console.log(
      `verify.sh ${n} events (${mb.toFixed(1)} MB): ${s.toFixed(1)} s, ${Math.round(n / s)} events/s, load ${loadavg()[0]!.toFixed(2)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
