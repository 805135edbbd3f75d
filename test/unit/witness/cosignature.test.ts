import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromBase64 } from '../../../shared/bytes';
import { ed25519Signer, signNote } from '../../../shared/checkpoint';
import {
  checkCosignatures,
  cosignatureKeyId,
  cosignatureVerifier,
  ed25519Cosigner,
  formatWitnessKey,
  judgeWitnessedCheckpoint,
  formatWitnessSignerKey,
  parseCosignature,
  parseWitnessKey,
  parseWitnessSignerKey,
  requireWitnesses,
} from '../../../shared/witness';

/** The example of c2sp.org/tlog-cosignature ("Transparency Log Cosignatures", first figure). */
const SPEC_BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const SPEC_NOTE =
  `${SPEC_BODY}\n` +
  '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n' +
  '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n';

/** RFC 8032 §7.1 TEST 1 secret key, as a PKCS#8 DER prefix for node:crypto (an independent Ed25519). */
const SEED = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
const nodeKey = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SEED]),
  format: 'der',
  type: 'pkcs8',
});
const NODE_PUB = createPublicKey(nodeKey).export({ format: 'der', type: 'spki' }).subarray(12);
const NAME = 'witness.arx.example/isso-1';

describe('cosignature/v1 against the C2SP examples and another implementation', () => {
  it('reads the timestamp of the spec example line: 1679315147, as in its signed-message example', () => {
    const blob = fromBase64(SPEC_NOTE.trimEnd().split(' ').at(-1)!)!;
    expect(blob.length).toBe(4 + 8 + 64);
    const parsed = parseCosignature(blob.subarray(4));
    expect(parsed.ok && parsed.value.timestamp).toBe(1679315147);
  });

  it('ignores every line of the spec example when no witness is trusted (unknown keys)', () => {
    const report = checkCosignatures(SPEC_NOTE, []);
    expect(report.ok && report.value.other.map((o) => o.name)).toEqual([
      'example.com/behind-the-sofa',
      'witness.example.com/w1',
    ]);
    expect(report.ok && report.value.text).toBe(SPEC_BODY);
  });

  it('parses a type-0x04 vkey whose key ID Go computed (transparency-dev/formats note_cosigv1_test.go)', () => {
    const k = parseWitnessKey('remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
    expect(k.ok && k.value.keyId).toBe(0xda77ade7);
    expect(k.ok && formatWitnessKey(k.value.name, k.value.publicKey)).toBe(
      'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2',
    );
  });

  it('reads the timestamp Go reads from its cosignature vector (1727964367)', () => {
    const blob = fromBase64(
      'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==',
    )!;
    const parsed = parseCosignature(blob.subarray(4));
    expect(parsed.ok && parsed.value.timestamp).toBe(1727964367);
  });

  it('refuses plain Ed25519 note keys (type 0x01, the signed-note example) as witness keys', () => {
    const k = parseWitnessKey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k');
    expect(!k.ok && k.error.code).toBe('WITNESS_KEY_UNSUPPORTED_ALGORITHM');
    expect(parseWitnessKey('remora.n621.de+da77ade8+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2')).toMatchObject({
      ok: false,
      error: { code: 'WITNESS_KEY_HASH_MISMATCH' },
    });
    expect(parseWitnessKey('remora.n621.de+da77ade7')).toMatchObject({ error: { code: 'WITNESS_KEY_MALFORMED' } });
  });

  it('computes the key ID as SHA-256(name ‖ 0x0A ‖ 0x04 ‖ key)[:4], checked with node:crypto', () => {
    const h = createHash('sha256')
      .update(Buffer.concat([Buffer.from(`${NAME}\n`), Buffer.of(0x04), NODE_PUB]))
      .digest();
    expect(cosignatureKeyId(NAME, NODE_PUB)).toBe(h.readUInt32BE(0));
  });

  it('makes the same line as node:crypto signing the spec-built message, and each verifies the other', () => {
    const time = 1679315147;
    const line = ed25519Cosigner(NAME, SEED).cosign(SPEC_BODY, time);
    const message = Buffer.from(`cosignature/v1\ntime ${time}\n${SPEC_BODY}`);
    const sig = nodeSign(null, message, nodeKey);
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(time));
    const id = Buffer.alloc(4);
    id.writeUInt32BE(cosignatureKeyId(NAME, NODE_PUB));
    expect(line).toBe(`— ${NAME} ${Buffer.concat([id, ts, sig]).toString('base64')}\n`);
    const blob = Buffer.from(line.trimEnd().split(' ').at(-1)!, 'base64');
    expect(nodeVerify(null, message, createPublicKey(nodeKey), blob.subarray(12))).toBe(true);
  });

  it('round-trips signer keys and vkeys', () => {
    const signer = parseWitnessSignerKey(formatWitnessSignerKey(NAME, SEED));
    expect(signer.ok && signer.value.keyId).toBe(cosignatureKeyId(NAME, NODE_PUB));
    const vkey = parseWitnessKey(formatWitnessKey(NAME, NODE_PUB));
    expect(vkey.ok && vkey.value.name).toBe(NAME);
  });
});

describe('checkCosignatures and requireWitnesses', () => {
  const w1 = ed25519Cosigner('w1.arx.example/isso', new Uint8Array(32).fill(1));
  const w2 = ed25519Cosigner('w2.arx.example/isso', new Uint8Array(32).fill(2));
  const v = (c: typeof w1) => cosignatureVerifier(c.name, c.publicKey);
  const note = (...lines: string[]) => `${SPEC_BODY}\n${lines.join('')}`;

  it('counts distinct trusted witnesses and passes k of n', () => {
    const r = checkCosignatures(note(w1.cosign(SPEC_BODY, 10), w2.cosign(SPEC_BODY, 11)), [v(w1), v(w2)]);
    expect(r.ok && r.value.valid.map((x) => [x.name, x.timestamp])).toEqual([
      [w1.name, 10],
      [w2.name, 11],
    ]);
    expect(r.ok && requireWitnesses(r.value, 2).ok).toBe(true);
    expect(r.ok && requireWitnesses(r.value, 3)).toMatchObject({ error: { code: 'WITNESS_QUORUM_NOT_MET' } });
  });

  it('does not count an untrusted witness, and counts one key under two names once', () => {
    const alias = ed25519Cosigner('alias.arx.example/isso', new Uint8Array(32).fill(1));
    const r = checkCosignatures(note(w1.cosign(SPEC_BODY, 10), alias.cosign(SPEC_BODY, 10), w2.cosign(SPEC_BODY, 1)), [
      v(w1),
      v(alias),
    ]);
    expect(r.ok && r.value.valid.length).toBe(1);
    expect(r.ok && r.value.other.map((o) => o.name)).toEqual([w2.name]);
  });

  it('rejects a flipped bit in a trusted cosignature and a cosignature over another body', () => {
    const line = w1.cosign(SPEC_BODY, 10);
    const b = Buffer.from(line.trimEnd().split(' ').at(-1)!, 'base64');
    b[b.length - 1]! ^= 1;
    const flipped = `— ${w1.name} ${b.toString('base64')}\n`;
    for (const bad of [flipped, w1.cosign(SPEC_BODY.replace('20852163', '20852164'), 10)]) {
      const r = checkCosignatures(note(bad), [v(w1)]);
      expect(r.ok && requireWitnesses(r.value, 1)).toMatchObject({
        error: { code: 'COSIGNATURE_INVALID', details: { line: 5 } },
      });
    }
  });

  it('does not accept a plain Ed25519 note signature by the same key as a cosignature', () => {
    const plain = signNote(SPEC_BODY, [{ ...ed25519Signer(w1.name, new Uint8Array(32).fill(1)), keyId: w1.keyId }]);
    const r = checkCosignatures(plain, [v(w1)]);
    expect(r.ok && r.value.invalid.length).toBe(1);
    expect(checkCosignatures('no signatures\n', [v(w1)])).toMatchObject({ error: { code: 'COSIGNATURE_MALFORMED' } });
  });
});

describe('docs/chain-format.md §9.1 worked example', () => {
  const doc = readFileSync(join(process.cwd(), 'docs', 'chain-format.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### 9.1'), doc.indexOf('### 9.2'));
  const checkpoint = /```\n(arx\.gateway\/[^\n]+\n3\n[\s\S]*?\n\n— [^\n]+\n)```/.exec(doc)![1]!;

  it('is the §3 checkpoint cosigned by the 0x22 test key, and it verifies', () => {
    const vkey = /witness key: (\S+)/.exec(section)![1]!;
    const line = /\n(— witness\.arx\.example\/isso-1 \S+)\n/.exec(section)![1]!;
    const key = parseWitnessKey(vkey);
    expect(key.ok && formatWitnessKey(key.value.name, key.value.publicKey)).toBe(vkey);
    const cosigner = ed25519Cosigner('witness.arx.example/isso-1', new Uint8Array(32).fill(0x22));
    const body = checkpoint.slice(0, checkpoint.indexOf('\n\n') + 1);
    expect(cosigner.cosign(body, 1767606000)).toBe(`${line}\n`);
    const report = checkCosignatures(`${checkpoint}${line}\n`, key.ok ? [key.value] : []);
    expect(report.ok && requireWitnesses(report.value, 1).ok).toBe(true);
    expect(report.ok && report.value.valid[0]?.timestamp).toBe(Date.parse('2026-01-05T09:40:00Z') / 1000);
  });
});

describe('judgeWitnessedCheckpoint', () => {
  const w1 = ed25519Cosigner('w1.arx.example/isso', new Uint8Array(32).fill(1));
  const trusted = [cosignatureVerifier(w1.name, w1.publicKey)];
  const gateway = ed25519Signer('arx-gateway.alpha.1', new Uint8Array(32).fill(9));
  const note = signNote(SPEC_BODY, [gateway]);
  const cp = { note, size: 20852163, root: fromBase64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=')! };

  it('counts the trusted cosignatures on the verified checkpoint', () => {
    const v = judgeWitnessedCheckpoint(cp, [w1.cosign(SPEC_BODY, 5)], trusted, 1);
    expect(v).toMatchObject({ ok: true, witnesses: [{ name: w1.name, timestamp: 5 }], ignored: 1 });
    expect(judgeWitnessedCheckpoint(cp, [], trusted, 1)).toMatchObject({
      ok: false,
      error: { code: 'WITNESS_QUORUM_NOT_MET' },
    });
  });

  it('fails without a checkpoint when witnesses are required, and on a note that is not the verified one', () => {
    expect(judgeWitnessedCheckpoint(null, [], trusted, 1)).toMatchObject({ ok: false, treeSize: null });
    expect(judgeWitnessedCheckpoint(null, [], trusted, 0).ok).toBe(true);
    const other = { ...cp, size: cp.size + 1 };
    expect(judgeWitnessedCheckpoint(other, [w1.cosign(SPEC_BODY, 5)], trusted, 1)).toMatchObject({
      error: { code: 'COSIGNATURE_MALFORMED' },
    });
  });
});
