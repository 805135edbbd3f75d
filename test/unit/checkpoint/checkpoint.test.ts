import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ed25519Verifier,
  formatArxCheckpoint,
  formatCheckpoint,
  formatTlogProof,
  openArxCheckpoint,
  parseArxCheckpoint,
  parseCheckpoint,
  parseNote,
  parseTlogProof,
  signNote,
  verifyTlogProof,
  type ArxCheckpoint,
  type Parsed,
} from '../../../shared/checkpoint';
import { ChainBuilder, nobleBlake3 } from '../../../shared/chain';
import { MerkleTree } from '../../../shared/merkle';
import { concatBytes, fromBase64, toBase64, utf8 } from '../../../shared/bytes';
import { gatewayKey, OTHER_TENANT, strangerKey, TENANT, witnessKey } from './fixtures';

const code = (r: Parsed<unknown>) => (r.ok ? 'ok' : r.error.code);
const line = (r: Parsed<unknown>) => (r.ok ? undefined : r.error.details?.line);
const gw = ed25519Verifier(gatewayKey.name, gatewayKey.publicKey);

/** A real little chain of 13 events, its tree, and a checkpoint over it. */
function fixture() {
  const chain = new ChainBuilder(nobleBlake3, { tenantId: TENANT });
  const tree = new MerkleTree();
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < 13; i++) {
    const e = chain.append(utf8(`{"id":"${i}"}`));
    hashes.push(e.hash);
    tree.append(e.hash);
  }
  const cp: ArxCheckpoint = {
    tenantId: TENANT,
    size: tree.size,
    root: tree.root(),
    time: '2026-11-25T18:00:00.123456Z',
    head: chain.head.hash,
  };
  return { chain, tree, hashes, cp, note: signNote(formatArxCheckpoint(cp), [gatewayKey]) };
}

describe('checkpoint bodies (c2sp.org/tlog-checkpoint)', () => {
  const root = new Uint8Array(32).fill(9);
  it('formats and parses the three mandatory lines and extension lines', () => {
    const text = formatCheckpoint({ origin: 'example.com/log', size: 20852163, root, extensions: ['x y'] });
    expect(text).toBe(`example.com/log\n20852163\n${toBase64(root)}\nx y\n`);
    const r = parseCheckpoint(text);
    expect(r.ok && r.value).toMatchObject({ origin: 'example.com/log', size: 20852163, extensions: ['x y'] });
  });

  it('rejects malformed bodies with their code and line', () => {
    const b = toBase64(root);
    const cases: [string, string, string, number][] = [
      ['two lines', 'o\n1\n', 'CHECKPOINT_TOO_FEW_LINES', 3],
      ['no final newline', `o\n1\n${b}`, 'CHECKPOINT_TOO_FEW_LINES', 3],
      ['empty origin', `\n1\n${b}\n`, 'CHECKPOINT_ORIGIN_INVALID', 1],
      ['leading zero', `o\n01\n${b}\n`, 'CHECKPOINT_SIZE_INVALID', 2],
      ['sign', `o\n+1\n${b}\n`, 'CHECKPOINT_SIZE_INVALID', 2],
      ['exponent', `o\n1e3\n${b}\n`, 'CHECKPOINT_SIZE_INVALID', 2],
      ['beyond 2^53', `o\n18446744073709551615\n${b}\n`, 'CHECKPOINT_SIZE_INVALID', 2],
      ['short root', `o\n1\n${toBase64(root.subarray(1))}\n`, 'CHECKPOINT_ROOT_INVALID', 3],
      ['unpadded root', `o\n1\n${b.slice(0, -1)}\n`, 'CHECKPOINT_ROOT_INVALID', 3],
      [
        'URL-safe root',
        `o\n1\n${toBase64(new Uint8Array(32).fill(0xfb))}\n`.replaceAll('+', '-').replaceAll('/', '_'),
        'CHECKPOINT_ROOT_INVALID',
        3,
      ],
      ['empty extension line', `o\n1\n${b}\next\n\n`, 'CHECKPOINT_EXTENSION_INVALID', 5],
    ];
    for (const [what, text, want, wantLine] of cases) {
      const r = parseCheckpoint(text);
      expect(code(r), what).toBe(want);
      expect(line(r), what).toBe(wantLine);
    }
    expect(parseCheckpoint(`o\n0\n${b}\n`).ok).toBe(true);
  });
});

describe('ARX checkpoints: signed, verified, strict', () => {
  const { cp, note } = fixture();

  it('round-trips: sign, open, and read back every field', () => {
    expect(note.split('\n').slice(0, 5)).toEqual([
      `arx.gateway/${TENANT}`,
      '13',
      toBase64(cp.root),
      `arx-time ${cp.time}`,
      `arx-head ${toBase64(cp.head)}`,
    ]);
    const r = openArxCheckpoint(note, [gw], { tenantId: TENANT });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.checkpoint).toEqual(cp);
    expect(r.value.note.verifiedBy).toEqual([{ name: gatewayKey.name, keyId: gatewayKey.keyId }]);
  });

  it('rejects a checkpoint whose any body line was changed after signing', () => {
    const lines = note.split('\n');
    for (let i = 0; i < 5; i++) {
      const changed = lines.slice();
      const l = changed[i]!;
      // Change one character to another that keeps the line well-formed (a digit or base64 letter).
      const at = l.length - 5;
      changed[i] = l.slice(0, at) + (l[at] === '1' ? '2' : '1') + l.slice(at + 1);
      const r = openArxCheckpoint(changed.join('\n'), [gw], { tenantId: TENANT });
      expect(code(r), `line ${i + 1}`).toBe('NOTE_SIGNATURE_INVALID');
    }
  });

  it('rejects an unknown key, a wrong tenant, and accepts a witness cosignature alongside', () => {
    expect(
      code(openArxCheckpoint(note, [ed25519Verifier(strangerKey.name, strangerKey.publicKey)], { tenantId: TENANT })),
    ).toBe('NOTE_UNVERIFIED');
    expect(code(openArxCheckpoint(note, [gw], { tenantId: OTHER_TENANT }))).toBe('CHECKPOINT_ORIGIN_MISMATCH');
    const cosigned = signNote(formatArxCheckpoint(cp), [gatewayKey, witnessKey]);
    expect(openArxCheckpoint(cosigned, [gw], { tenantId: TENANT }).ok).toBe(true);
  });

  it('rejects bodies outside the ARX profile, even when properly signed, with the line', () => {
    const body = formatArxCheckpoint(cp).split('\n').slice(0, 5);
    const variant = (i: number, replacement: string | null) => {
      const b = body.slice();
      if (replacement === null) b.splice(i, 1);
      else b[i] = replacement;
      return signNote(b.map((l) => `${l}\n`).join(''), [gatewayKey]);
    };
    const cases: [string, string, string, number][] = [
      ['foreign origin', variant(0, `example.com/${TENANT}`), 'CHECKPOINT_ORIGIN_INVALID', 1],
      ['uppercase tenant', variant(0, `arx.gateway/${TENANT.toUpperCase()}`), 'CHECKPOINT_ORIGIN_INVALID', 1],
      ['milliseconds only', variant(3, 'arx-time 2026-11-25T18:00:00.123Z'), 'CHECKPOINT_EXTENSION_INVALID', 4],
      [
        'offset instead of Z',
        variant(3, 'arx-time 2026-11-25T18:00:00.123456+00:00'),
        'CHECKPOINT_EXTENSION_INVALID',
        4,
      ],
      ['30 February', variant(3, 'arx-time 2026-02-30T18:00:00.123456Z'), 'CHECKPOINT_EXTENSION_INVALID', 4],
      [
        'head first',
        signNote([...body.slice(0, 3), body[4], body[3]].map((l) => `${l}\n`).join(''), [gatewayKey]),
        'CHECKPOINT_EXTENSION_INVALID',
        4,
      ],
      ['short head', variant(4, `arx-head ${toBase64(cp.head.subarray(1))}`), 'CHECKPOINT_EXTENSION_INVALID', 5],
      ['no head', variant(4, null), 'CHECKPOINT_EXTENSION_INVALID', 5],
      [
        'extra line',
        signNote([...body, 'arx-extra 1'].map((l) => `${l}\n`).join(''), [gatewayKey]),
        'CHECKPOINT_EXTENSION_INVALID',
        6,
      ],
    ];
    for (const [what, n, want, wantLine] of cases) {
      const r = openArxCheckpoint(n, [gw], { tenantId: TENANT });
      expect(code(r), what).toBe(want);
      expect(line(r), what).toBe(wantLine);
    }
    expect(parseArxCheckpoint(formatArxCheckpoint(cp)).ok).toBe(true);
  });

  it('an empty chain checkpoints with the empty root and the genesis hash as head', () => {
    const chain = new ChainBuilder(nobleBlake3, { tenantId: TENANT });
    const empty: ArxCheckpoint = {
      tenantId: TENANT,
      size: 0,
      root: new MerkleTree().root(),
      time: '2026-11-25T18:05:00.000000Z',
      head: chain.head.hash,
    };
    const r = openArxCheckpoint(signNote(formatArxCheckpoint(empty), [gatewayKey]), [gw], { tenantId: TENANT });
    expect(r.ok && r.value.checkpoint).toEqual(empty);
    expect(toBase64(empty.root)).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });
});

describe('offline proofs (c2sp.org/tlog-proof)', () => {
  const { tree, hashes, note } = fixture();
  const proofFor = (index: number, extra?: Uint8Array) =>
    formatTlogProof({ index, proof: tree.inclusionProof(index), checkpoint: note, ...(extra ? { extra } : {}) });

  it('formats, parses and verifies a proof for every event', () => {
    for (let i = 0; i < hashes.length; i++) {
      const text = proofFor(i, i % 2 ? utf8('context') : undefined);
      expect(text.startsWith(`c2sp.org/tlog-proof@v1\n${i % 2 ? 'extra Y29udGV4dA==\n' : ''}index ${i}\n`)).toBe(true);
      const r = verifyTlogProof(text, hashes[i]!, [gw], { tenantId: TENANT, index: i });
      expect(r.ok, `index ${i}`).toBe(true);
      const p = parseTlogProof(text);
      expect(p.ok && p.value.checkpoint).toBe(note);
    }
  });

  it('rejects a proof for another event, index, tenant, key, or with a changed hash', () => {
    const text = proofFor(5);
    expect(code(verifyTlogProof(text, hashes[6]!, [gw], { tenantId: TENANT }))).toBe('TLOG_PROOF_INVALID');
    expect(code(verifyTlogProof(text, hashes[5]!, [gw], { tenantId: TENANT, index: 6 }))).toBe('TLOG_PROOF_INVALID');
    expect(code(verifyTlogProof(text.replace('index 5', 'index 4'), hashes[5]!, [gw], { tenantId: TENANT }))).toBe(
      'TLOG_PROOF_INVALID',
    );
    expect(code(verifyTlogProof(text, hashes[5]!, [gw], { tenantId: OTHER_TENANT }))).toBe(
      'CHECKPOINT_ORIGIN_MISMATCH',
    );
    expect(
      code(
        verifyTlogProof(text, hashes[5]!, [ed25519Verifier(witnessKey.name, witnessKey.publicKey)], {
          tenantId: TENANT,
        }),
      ),
    ).toBe('NOTE_UNVERIFIED');
    const lines = text.split('\n');
    lines[3] = toBase64(concatBytes(new Uint8Array(1), fromBase64(lines[3]!)!.subarray(1)));
    expect(code(verifyTlogProof(lines.join('\n'), hashes[5]!, [gw], { tenantId: TENANT }))).toBe('TLOG_PROOF_INVALID');
    const short = text.split('\n');
    short.splice(3, 1);
    expect(code(verifyTlogProof(short.join('\n'), hashes[5]!, [gw], { tenantId: TENANT }))).toBe('TLOG_PROOF_INVALID');
  });

  it('rejects malformed proofs with the line, counted in the proof file', () => {
    const text = proofFor(5);
    const cases: [string, string, string, number][] = [
      ['wrong header', text.replace('@v1', '@v2'), 'TLOG_PROOF_MALFORMED', 1],
      ['index with leading zero', text.replace('index 5', 'index 05'), 'TLOG_PROOF_MALFORMED', 2],
      ['no index', text.replace('index 5\n', ''), 'TLOG_PROOF_MALFORMED', 2],
      ['bad extra', text.replace('index 5', 'extra !!\nindex 5'), 'TLOG_PROOF_MALFORMED', 2],
      [
        'short hash',
        text.replace(/\nindex 5\n[^\n]+\n/, `\nindex 5\n${toBase64(new Uint8Array(31))}\n`),
        'TLOG_PROOF_MALFORMED',
        3,
      ],
      ['no checkpoint', `${text.slice(0, text.indexOf('\n\n'))}\n\n`, 'TLOG_PROOF_MALFORMED', 8],
    ];
    for (const [what, t, want, wantLine] of cases) {
      const r = parseTlogProof(t);
      expect(code(r), what).toBe(want);
      expect(line(r), what).toBe(wantLine);
    }
    // A broken signature line in the embedded checkpoint is located in the proof file.
    const proofLines = text.split('\n');
    const sigLine = proofLines.findIndex((l) => l.startsWith('—'));
    proofLines[sigLine] = proofLines[sigLine]!.replace('—', '-');
    const r = verifyTlogProof(proofLines.join('\n'), hashes[5]!, [gw], { tenantId: TENANT });
    expect(code(r)).toBe('NOTE_SIGNATURE_MALFORMED');
    expect(line(r)).toBe(sigLine + 1);
  });
});

describe('interop: stock OpenSSL verifies the checkpoint signature', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'arx-openssl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('openssl pkeyutl -verify accepts the note signature over the body, and rejects a changed body', () => {
    const { note } = fixture();
    const parsed = parseNote(note);
    if (!parsed.ok) throw new Error(parsed.error.message);
    // SubjectPublicKeyInfo for Ed25519 (RFC 8410): a fixed 12-byte DER prefix, then the 32-byte key.
    const spki = concatBytes(
      Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00),
      gatewayKey.publicKey,
    );
    writeFileSync(
      path.join(dir, 'gateway.pem'),
      `-----BEGIN PUBLIC KEY-----\n${toBase64(spki)}\n-----END PUBLIC KEY-----\n`,
    );
    writeFileSync(path.join(dir, 'body.txt'), parsed.value.text);
    // The signature line carries key ID (4 bytes) ‖ signature (64 bytes): drop the key ID.
    writeFileSync(path.join(dir, 'sig.bin'), parsed.value.signatures[0]!.signature);
    const verify = () =>
      execFileSync(
        'openssl',
        ['pkeyutl', '-verify', '-pubin', '-inkey', 'gateway.pem', '-rawin', '-in', 'body.txt', '-sigfile', 'sig.bin'],
        { cwd: dir, encoding: 'utf8' },
      );
    expect(verify()).toContain('Signature Verified Successfully');
    writeFileSync(path.join(dir, 'body.txt'), parsed.value.text.replace('13', '14'));
    expect(verify).toThrow();
  });
});
