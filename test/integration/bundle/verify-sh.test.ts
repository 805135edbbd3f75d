import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blake3 } from '@noble/hashes/blake3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../shared/bytes';
import { ed25519Signer, formatVerifierKey, signNote } from '../../../shared/checkpoint';
import { provisionTestCards, registerTestOperators, TEST_CARDS } from '../../../electron/main/card/test-cards';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import { ConsoleSession } from '../../../electron/main/core/registry';
import { startCardConsole } from '../../support/card-console';
import { migratedDatabase } from '../../support/pg';
import {
  auditorTrustDir,
  openCards,
  publishCardSignedDefaultPolicy,
  readMembers,
  resign,
  seedCheckpointedTraffic,
  writeTar,
  type DigestSigner,
} from './support';

/**
 * The published manual check (docs/verify.sh) run with the real tools on a real bundle (PostgreSQL,
 * SoftHSM2 cards) and on tampered copies: it must exit 0 on the bundle and non-zero on each
 * tamper, including an exporter who rewrites an event and re-signs the manifest with a real card,
 * a forged gateway key, and a bundle whose own copy of the script was replaced.
 */
const PUBLISHED = join(process.cwd(), 'docs/verify.sh');
const KEY_NAME = 'arx-gateway.verify-sh.1';
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let services: ConsoleServices;
let work: string;
let trustDir: string;
let bundleBytes: Buffer;
let adams: { sign: DigestSigner; close: () => Promise<void> };
let hsm: Awaited<ReturnType<typeof openCards>>;
const session = new ConsoleSession();
session.consentAcknowledgedAt = new Date();

function runScript(file: string, trust = trustDir, script = PUBLISHED): { code: number | null; out: string } {
  const r = spawnSync('sh', [script, file, trust], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return { code: r.status, out: r.stdout + r.stderr };
}

function save(name: string, bytes: Uint8Array): string {
  const p = join(work, name);
  writeFileSync(p, bytes);
  return p;
}

const failLines = (out: string) => out.split('\n').filter((l) => l.startsWith('FAIL'));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'arx-verify-sh-'));
  db = await migratedDatabase('verifysh');
  const cards = await provisionTestCards(join(work, 'cards'));
  await registerTestOperators(db.admin, cards, [db.tenants.a]);
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  const tenant = db.tenants.a;
  const gateway = await seedCheckpointedTraffic(db, tenant, {
    keyName: KEY_NAME,
    events: 300,
    seed: 23,
    start: new Date('2026-11-04T00:00:00Z'),
  });
  await publishCardSignedDefaultPolicy(db, cards, tenant);
  trustDir = auditorTrustDir(cards, join(work, 'trust'), [gateway]);
  ({ services } = await startCardConsole(db, cards, 'verifysh', { ARX_DATA_DIR: join(work, 'data') }));
  const call = async (name: string, req: unknown) => {
    const r = await services.registry.invoke(name, req, { adapter: 'cli', session });
    if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
    return r.value as { readers: { slot: string; tokenLabel: string | null }[] };
  };
  const slot = (await call('card.readers', {})).readers.find((r) => r.tokenLabel === 'ARX TEST ADAMS EC')!.slot;
  await call('card.login', { slot, certificateId: null, pin: '123456', confirmFinalTry: false });
  const out = join(work, 'range.arxbundle');
  await call('bundle.export', { tenant, from: 50, to: 249, review: null, pin: '123456', out });
  bundleBytes = readFileSync(out);
  await services.stop();
  hsm = await openCards(cards.module);
  adams = await hsm.signer('ARX TEST ADAMS EC', '123456');
}, 400_000);

afterAll(async () => {
  await adams?.close();
  await hsm?.close();
  await services?.stop().catch(() => {});
  await db?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Rec {
  seq: bigint;
  d: Uint8Array;
  h: Uint8Array;
  bytes: Uint8Array;
}

function records(bin: Uint8Array): Rec[] {
  const out: Rec[] = [];
  const v = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  for (let o = 0; o < bin.length;) {
    const n = v.getUint32(o + 8);
    out.push({
      seq: v.getBigUint64(o),
      d: bin.slice(o + 12, o + 44),
      h: bin.slice(o + 44, o + 76),
      bytes: bin.slice(o + 76, o + 76 + n),
    });
    o += 76 + n;
  }
  return out;
}

function encode(recs: Rec[]): Uint8Array {
  return Buffer.concat(
    recs.map((r) => {
      const head = Buffer.alloc(76);
      head.writeBigUInt64BE(r.seq, 0);
      head.writeUInt32BE(r.bytes.length, 8);
      head.set(r.d, 12);
      head.set(r.h, 44);
      return Buffer.concat([head, r.bytes]);
    }),
  );
}

/** The chain link of docs/chain-format.md §1, recomputed as a dishonest exporter would. */
function relink(recs: Rec[], prev: Uint8Array): Uint8Array {
  for (const r of recs) {
    r.d = blake3(Buffer.concat([utf8('arx/event/v1'), r.bytes]));
    const seq = Buffer.alloc(8);
    seq.writeBigUInt64BE(r.seq);
    r.h = blake3(Buffer.concat([utf8('arx/chain/v1'), seq, prev, r.d]));
    prev = r.h;
  }
  return prev;
}

type Members = { name: string; data: Uint8Array }[];
const edit = (name: string, f: (data: Uint8Array) => Uint8Array) => (ms: Members) =>
  ms.map((m) => (m.name === name ? { name, data: f(m.data) } : m));
const text = (d: Uint8Array) => Buffer.from(d).toString('utf8');

/** Rewrites the event at `index` of events.bin and every link after it, and range.json's lastHash: all consistent. */
function rewriteEvent(index: number) {
  return (ms: Members): Members => {
    const range = JSON.parse(text(ms.find((m) => m.name === 'range.json')!.data)) as Record<string, unknown>;
    const recs = records(ms.find((m) => m.name === 'events.bin')!.data);
    recs[index]!.bytes = utf8(text(recs[index]!.bytes).replace('{', '{ '));
    const prev = index === 0 ? Buffer.from(range.prevHash as string, 'hex') : recs[index - 1]!.h;
    const last = relink(recs.slice(index), prev);
    range.lastHash = toHex(last);
    return edit('range.json', () => utf8(JSON.stringify(range)))(edit('events.bin', () => encode(recs))(ms));
  };
}

/** Re-signs every checkpoint note (members and the ones inside the proofs) with `signer`. */
function resignNotes(signer: ReturnType<typeof ed25519Signer>) {
  const renote = (note: string) => signNote(note.slice(0, note.indexOf('\n\n') + 1), [signer]);
  return (ms: Members): Members =>
    ms.map((m) => {
      if (/^checkpoint-\d+\.note$/.test(m.name)) return { name: m.name, data: utf8(renote(text(m.data))) };
      if (m.name.endsWith('.tlog-proof')) {
        const t = text(m.data);
        const at = t.indexOf('\n\n') + 2;
        return { name: m.name, data: utf8(t.slice(0, at) + renote(t.slice(at))) };
      }
      if (m.name === 'gateway-keys.json')
        return {
          name: m.name,
          data: utf8(
            text(m.data).replace(
              /"verifierKey":"[^"]*"/g,
              `"verifierKey":"${formatVerifierKey(signer.name, signer.publicKey)}"`,
            ),
          ),
        };
      return m;
    });
}

describe('verify.sh, the published manual check', () => {
  it('the exported bundle: exit 0, one OK line per check, every check named', () => {
    const r = runScript(save('valid.arxbundle', bundleBytes));
    expect(r.code, r.out).toBe(0);
    expect(failLines(r.out)).toEqual([]);
    for (const check of [
      'format',
      'manifest-envelope',
      'manifest-keyid',
      'manifest-signature',
      'signer-path',
      'signer-key-usage',
      'signer-policy',
      'exporter',
      'members-order',
      'members',
      'range',
      'gateway-keys',
      'checkpoint checkpoint-000001.note',
      'proof-end',
      'proof-start',
      'chain: 200 events',
    ])
      expect(r.out).toContain(`OK   ${check}`);
    expect(r.out.trim().split('\n').at(-1)).toBe('VERIFIED: every check holds');
  });

  const tampers: [string, () => Promise<Uint8Array> | Uint8Array, RegExp, string?][] = [
    [
      'an event rewritten, every later link and lastHash recomputed, re-signed on a real card',
      () => resign(bundleBytes, rewriteEvent(100), adams.sign),
      /FAIL (proof-end|chain)/,
    ],
    [
      'an event rewritten with its digest only, re-signed on a real card',
      () =>
        resign(
          bundleBytes,
          (ms) => {
            const recs = records(ms.find((m) => m.name === 'events.bin')!.data);
            recs[7]!.bytes = utf8(text(recs[7]!.bytes).replace('"', ' "'));
            recs[7]!.d = blake3(Buffer.concat([utf8('arx/event/v1'), recs[7]!.bytes]));
            return edit('events.bin', () => encode(recs))(ms);
          },
          adams.sign,
        ),
      /FAIL chain: seq 57: the chain hash/,
    ],
    [
      'a forged gateway key: checkpoints and proofs re-signed with it, gateway-keys.json replaced, re-signed on a real card',
      () => resign(bundleBytes, resignNotes(ed25519Signer(KEY_NAME, randomBytes(32))), adams.sign),
      /FAIL checkpoint checkpoint-000001\.note: no signature of a pinned gateway key/,
    ],
    [
      'one byte of an event flipped (no re-signing)',
      () => {
        const at = bundleBytes.indexOf('"specversion"');
        const b = Buffer.from(bundleBytes);
        b[at + 3] = b[at + 3]! ^ 0x01;
        return b;
      },
      /FAIL members-(sha256|blake3)/,
    ],
    [
      'the manifest edited (no re-signing)',
      () => {
        const ms = readMembers(bundleBytes);
        return writeTar(
          edit('manifest.json', (d) => utf8(text(d).replace(/"displayName":"[^"]*"/, '"displayName":"Someone Else"')))(
            ms,
          ),
        );
      },
      /FAIL manifest-(envelope|signature)/,
    ],
    [
      'a checkpoint deleted (no re-signing)',
      () => writeTar(readMembers(bundleBytes).filter((m) => m.name !== 'checkpoint-000002.note')),
      /FAIL members-order/,
    ],
    [
      'the last event dropped, lastHash moved back, re-signed on a real card',
      () =>
        resign(
          bundleBytes,
          (ms) => {
            const recs = records(ms.find((m) => m.name === 'events.bin')!.data).slice(0, -1);
            const range = JSON.parse(text(ms.find((m) => m.name === 'range.json')!.data)) as Record<string, unknown>;
            range.lastHash = toHex(recs.at(-1)!.h);
            return edit('range.json', () => utf8(JSON.stringify(range)))(edit('events.bin', () => encode(recs))(ms));
          },
          adams.sign,
        ),
      /FAIL proof-end/,
    ],
    [
      'a hash of the end proof changed, re-signed on a real card',
      () =>
        resign(
          bundleBytes,
          edit('proof-end.tlog-proof', (d) => {
            const lines = text(d).split('\n');
            lines[2] = `${lines[2]![0] === 'A' ? 'B' : 'A'}${lines[2]!.slice(1)}`;
            return utf8(lines.join('\n'));
          }),
          adams.sign,
        ),
      /FAIL proof-end: does not lead to the signed root/,
    ],
    [
      'a checkpoint signature flipped, re-signed on a real card',
      () =>
        resign(
          bundleBytes,
          edit('checkpoint-000001.note', (d) => {
            const t = text(d);
            const at = t.lastIndexOf(' ') + 10;
            return utf8(t.slice(0, at) + (t[at] === 'A' ? 'B' : 'A') + t.slice(at + 1));
          }),
          adams.sign,
        ),
      /FAIL checkpoint checkpoint-000001\.note: the signature of pinned key/,
    ],
    [
      'prevHash replaced, re-signed on a real card',
      () =>
        resign(
          bundleBytes,
          edit('range.json', (d) => {
            const range = JSON.parse(text(d)) as { prevHash: string };
            range.prevHash = `${range.prevHash[0] === '0' ? '1' : '0'}${range.prevHash.slice(1)}`;
            return utf8(JSON.stringify(range));
          }),
          adams.sign,
        ),
      /FAIL proof-start/,
    ],
    [
      'the whole bundle signed by a card of an untrusted CA',
      async () => {
        const s = await hsm.signer('ARX TEST UNTRUSTED', '123456');
        try {
          const edipi = TEST_CARDS.find((c) => c.label === 'ARX TEST UNTRUSTED')!.person.edipi;
          return await resign(bundleBytes, (m) => m, s.sign, { edipi });
        } finally {
          await s.close();
        }
      },
      /FAIL signer-path/,
    ],
    [
      "a manifest naming ADAMS signed with BAKER's card",
      async () => {
        const s = await hsm.signer('ARX TEST BAKER RSA', '123456');
        try {
          return await resign(bundleBytes, (m) => m, s.sign);
        } finally {
          await s.close();
        }
      },
      /FAIL exporter/,
    ],
  ];
  for (const [what, make, expected] of tampers)
    it(`fails: ${what}`, async () => {
      const r = runScript(save(`t-${randomBytes(4).toString('hex')}.arxbundle`, await make()));
      expect(r.code, r.out).toBe(1);
      expect(r.out).toMatch(expected);
      expect(r.out.trim().split('\n').at(-1)).toBe('FAILED: see the FAIL lines');
    });

  it("the bundle's own copy replaced by one that always says OK, an event rewritten: the published copy still fails it", async () => {
    const liar = '#!/bin/sh\necho "OK   everything"\necho "VERIFIED: every check holds"\n';
    const forged = save(
      'liar.arxbundle',
      await resign(
        bundleBytes,
        (ms) =>
          rewriteEvent(10)(
            edit('VERIFY.md', (d) => utf8(text(d).replace(/```sh\n[\s\S]*```/, () => `\`\`\`sh\n${liar}\`\`\``)))(ms),
          ),
        adams.sign,
      ),
    );
    const inside = join(work, 'liar.sh');
    writeFileSync(inside, liar);
    expect(runScript(forged, trustDir, inside).code).toBe(0);
    const r = runScript(forged);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toMatch(/FAIL (proof-end|chain)/);
  });

  it('trust without pinned gateway keys, or pinning another key: fails; anchors of another CA: fails', async () => {
    const file = save('again.arxbundle', bundleBytes);
    const unpinned = join(work, 'trust-unpinned');
    cpSync(trustDir, unpinned, { recursive: true });
    rmSync(join(unpinned, 'gateway-keys.txt'));
    const a = runScript(file, unpinned);
    expect(a.code).toBe(1);
    expect(a.out).toContain('FAIL gateway-keys: no pinned gateway key (GATEWAY_KEYS_UNPINNED)');

    const other = join(work, 'trust-other');
    cpSync(trustDir, other, { recursive: true });
    const stranger = ed25519Signer(KEY_NAME, randomBytes(32));
    writeFileSync(join(other, 'gateway-keys.txt'), `${formatVerifierKey(stranger.name, stranger.publicKey)}\n`);
    const b = runScript(file, other);
    expect(b.code).toBe(1);
    expect(b.out).toMatch(/FAIL checkpoint .*no signature of a pinned gateway key/);
    expect(b.out).toMatch(/FAIL proof-end/);
  });
});
