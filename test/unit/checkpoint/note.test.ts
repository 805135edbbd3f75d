import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ed25519KeyId,
  ed25519Verifier,
  formatSignerKey,
  formatVerifierKey,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  type Parsed,
} from '../../../shared/checkpoint';
import { fromBase64, toBase64, utf8 } from '../../../shared/bytes';
import { gatewayKey, impostorKey, strangerKey, witnessKey } from './fixtures';

const code = (r: Parsed<unknown>) => (r.ok ? 'ok' : r.error.code);
const line = (r: Parsed<unknown>) => (r.ok ? undefined : r.error.details?.line);

// golang.org/x/mod/sumdb/note's documented example: an independent implementation's keys and
// signature. Matching it byte for byte means Go verifiers and witnesses accept our notes.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('signed notes: the Go reference example', () => {
  it('signs it byte for byte and opens it', () => {
    const signer = parseSignerKey(GO_SKEY);
    const verifier = parseVerifierKey(GO_VKEY);
    expect(signer.ok && verifier.ok).toBe(true);
    if (!signer.ok || !verifier.ok) return;
    expect(signNote(GO_TEXT, [signer.value])).toBe(GO_NOTE);
    const opened = openNote(GO_NOTE, [verifier.value]);
    expect(opened.ok && opened.value.text).toBe(GO_TEXT);
    expect(formatVerifierKey('PeterNeumann', verifier.value.publicKey)).toBe(GO_VKEY);
    // The skey's base64 contains a '+' itself: parsers must split on the first four only.
    const seed = fromBase64('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz')!.subarray(1);
    expect(formatSignerKey('PeterNeumann', seed)).toBe(GO_SKEY);
  });

  it('rejects the example with one character of the text changed', () => {
    const verifier = parseVerifierKey(GO_VKEY);
    if (!verifier.ok) throw new Error('vkey');
    const r = openNote(GO_NOTE.replace('cryptography', 'cryptographY'), [verifier.value]);
    expect(code(r)).toBe('NOTE_SIGNATURE_INVALID');
    expect(line(r)).toBe(4);
  });
});

describe('keys', () => {
  it('key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], big-endian', () => {
    const want = createHash('sha256')
      .update(gatewayKey.name)
      .update(Buffer.from([0x0a, 0x01]))
      .update(gatewayKey.publicKey)
      .digest()
      .readUInt32BE(0);
    expect(ed25519KeyId(gatewayKey.name, gatewayKey.publicKey)).toBe(want);
    expect(gatewayKey.keyId).toBe(want);
  });

  it('verifier keys round-trip, and mangled ones are rejected with their code', () => {
    const vkey = formatVerifierKey(witnessKey.name, witnessKey.publicKey);
    const parsed = parseVerifierKey(vkey);
    expect(parsed.ok && parsed.value.keyId).toBe(witnessKey.keyId);
    const [name, hash, key] = [
      witnessKey.name,
      vkey.split('+')[1]!,
      vkey.slice(vkey.indexOf('+', witnessKey.name.length + 1) + 1),
    ];
    const wrongHash = ((parseInt(hash, 16) ^ 1) >>> 0).toString(16).padStart(8, '0');
    const otherAlg = toBase64(Uint8Array.of(0x02, ...witnessKey.publicKey));
    const cases: [string, string][] = [
      [`${name}+${wrongHash}+${key}`, 'KEY_HASH_MISMATCH'],
      [`other.name+${hash}+${key}`, 'KEY_HASH_MISMATCH'],
      [`${name}+${hash.toUpperCase()}+${key}`, 'KEY_MALFORMED'],
      [`${name}+${hash}+${otherAlg}`, 'KEY_UNSUPPORTED_ALGORITHM'],
      [`${name}+${hash}`, 'KEY_MALFORMED'],
      [`${name}+${hash}+${key.slice(0, -4)}`, 'KEY_MALFORMED'],
      [`+${hash}+${key}`, 'KEY_MALFORMED'],
      // A small-order point "verifies" signatures it never made; it is not a key.
      [`${name}+${hash}+${toBase64(Uint8Array.of(0x01, 1, ...new Uint8Array(31)))}`, 'KEY_MALFORMED'],
    ];
    for (const [text, want] of cases) expect(code(parseVerifierKey(text)), text).toBe(want);
  });
});

describe('signed notes: ours', () => {
  const text = 'arx.gateway/x\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
  const gw = ed25519Verifier(gatewayKey.name, gatewayKey.publicKey);
  const wit = ed25519Verifier(witnessKey.name, witnessKey.publicKey);

  it('cosigned by two keys opens with either, and reports unknown signatures', () => {
    const note = signNote(text, [gatewayKey, witnessKey, strangerKey]);
    const r = openNote(note, [gw]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.verifiedBy.map((v) => v.name)).toEqual([gatewayKey.name]);
    expect(r.value.unknown.map((u) => u.name)).toEqual([witnessKey.name, strangerKey.name]);
    expect(openNote(note, [gw, wit]).ok && openNote(note, [gw, wit])).toMatchObject({
      value: { verifiedBy: [{ name: gatewayKey.name }, { name: witnessKey.name }] },
    });
  });

  it('rejects a note signed only by unknown keys, including one with a trusted key name', () => {
    expect(code(openNote(signNote(text, [strangerKey]), [gw]))).toBe('NOTE_UNVERIFIED');
    expect(code(openNote(signNote(text, [impostorKey]), [gw]))).toBe('NOTE_UNVERIFIED');
  });

  it('rejects a modified text and a modified signature', () => {
    const note = signNote(text, [gatewayKey]);
    expect(code(openNote(note.replace('42', '43'), [gw]))).toBe('NOTE_SIGNATURE_INVALID');
    const sigAt = note.lastIndexOf(' ') + 1;
    const sig = fromBase64(note.slice(sigAt, -1))!;
    sig[10]! ^= 1;
    const r = openNote(`${note.slice(0, sigAt)}${toBase64(sig)}\n`, [gw]);
    expect(code(r)).toBe('NOTE_SIGNATURE_INVALID');
    expect(line(r)).toBe(5);
    // A failing known signature rejects the note even when another known one verifies.
    const both = signNote(text, [gatewayKey, witnessKey]);
    const lines = both.split('\n');
    const broken = lines
      .map((l, i) => (i === 5 ? l.slice(0, -6) + (l.slice(-6, -5) === 'A' ? 'B' : 'A') + l.slice(-5) : l))
      .join('\n');
    expect(code(openNote(broken, [gw, wit]))).toBe('NOTE_SIGNATURE_INVALID');
  });

  it('parses only well-formed notes, naming the code and the line', () => {
    const good = signNote(text, [gatewayKey]);
    const sigLine = good.split('\n')[4]!;
    const blob = sigLine.slice(sigLine.lastIndexOf(' ') + 1);
    const cases: [string, string | Uint8Array, string, number?][] = [
      ['no final newline', good.slice(0, -1), 'NOTE_SIGNATURE_MALFORMED', 5],
      ['CRLF line ends', good.replaceAll('\n', '\r\n'), 'NOTE_CONTROL_CHARACTER', 1],
      ['a tab', good.replace('42', '4\t2'), 'NOTE_CONTROL_CHARACTER', 2],
      ['no blank line', good.replace('\n\n', '\n'), 'NOTE_NO_SIGNATURES'],
      ['nothing after the blank line', `${text}\n`, 'NOTE_NO_SIGNATURES', 5],
      ['hyphen instead of em dash', good.replace('—', '-'), 'NOTE_SIGNATURE_MALFORMED', 5],
      ['en dash instead of em dash', good.replace('—', '–'), 'NOTE_SIGNATURE_MALFORMED', 5],
      ['no space after the dash', good.replace('— ', '—'), 'NOTE_SIGNATURE_MALFORMED', 5],
      ['key name with +', good.replace(`— ${gatewayKey.name}`, '— a+b'), 'NOTE_KEY_NAME_INVALID', 5],
      [
        'key name with a no-break space',
        good.replace(`— ${gatewayKey.name}`, '— a\u00a0b'),
        'NOTE_KEY_NAME_INVALID',
        5,
      ],
      ['two spaces', good.replace(` ${blob}`, `  ${blob}`), 'NOTE_SIGNATURE_MALFORMED', 5],
      ['trailing space', good.replace(`${blob}\n`, `${blob} \n`), 'NOTE_SIGNATURE_MALFORMED', 5],
      ['base64 without padding', good.replace(blob, blob.replace(/=+$/, '')), 'NOTE_SIGNATURE_MALFORMED', 5],
      ['base64 with non-zero pad bits', good.replace(blob, `${blob.slice(0, -2)}B=`), 'NOTE_SIGNATURE_MALFORMED', 5],
      ['signature shorter than a key ID', good.replace(blob, 'AAAA'), 'NOTE_SIGNATURE_MALFORMED', 5],
      ['the same key twice', good + sigLine + '\n', 'NOTE_DUPLICATE_SIGNATURE', 6],
      [
        '101 signatures',
        `${text}\n${Array.from({ length: 101 }, (_, i) => `— k${i} ${blob}\n`).join('')}`,
        'NOTE_TOO_MANY_SIGNATURES',
        105,
      ],
      ['invalid UTF-8', Uint8Array.of(...utf8(good).subarray(0, 3), 0xff, ...utf8(good).subarray(3)), 'NOTE_NOT_UTF8'],
      ['a lone surrogate', good.replace('42', '4\ud8002'), 'NOTE_NOT_UTF8'],
    ];
    for (const [what, note, want, wantLine] of cases) {
      const r = parseNote(note);
      expect(code(r), what).toBe(want);
      if (wantLine !== undefined) expect(line(r), what).toBe(wantLine);
      expect(code(openNote(note, [gw])), what).toBe(want);
    }
    expect(parseNote(good).ok).toBe(true);
    expect(parseNote(utf8(good)).ok).toBe(true);
  });

  it('the text ends at the last blank line: blank lines inside the text are signed', () => {
    const multi = 'first\n\nsecond\n';
    const note = signNote(multi, [gatewayKey]);
    const r = openNote(note, [gw]);
    expect(r.ok && r.value.text).toBe(multi);
  });

  it('refuses to sign a text it could not parse back', () => {
    expect(() => signNote('no newline', [gatewayKey])).toThrow(RangeError);
    expect(() => signNote('tab\there\n', [gatewayKey])).toThrow(RangeError);
  });
});
