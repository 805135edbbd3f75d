import { decodeUtf8, fromBase64, toBase64, utf8 } from '../bytes';
import { noteFail, noteOk, type NoteError, type Parsed } from './errors';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './keys';

/** A signed note as text and signature lines (c2sp.org/signed-note). */
export interface NoteSignature {
  name: string;
  keyId: number;
  /** The signature proper, without the 4-byte key ID. */
  signature: Uint8Array;
  /** 1-based line of the signature in the note. */
  line: number;
}

export interface ParsedNote {
  /** The signed text: everything up to and including the newline before the last blank line. */
  text: string;
  signatures: NoteSignature[];
}

const EM_DASH = '\u2014';
/** More than the 16 the spec says must be accepted; bounded so that a hostile note stays cheap. */
export const MAX_NOTE_SIGNATURES = 100;
export const MAX_NOTE_BYTES = 1 << 20;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Signs a note text (which must end in a newline and satisfy the note's character rules) with
 * each signer: `— <name> base64(key ID ‖ signature)` per signer, after a blank line.
 */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  const problem = checkText(text);
  if (problem) throw new RangeError(`signNote: ${problem.message}`);
  if (signers.length === 0) throw new RangeError('signNote: at least one signer');
  const message = utf8(text);
  const lines = signers.map((s) => {
    const sig = s.sign(message);
    const blob = new Uint8Array(4 + sig.length);
    new DataView(blob.buffer).setUint32(0, s.keyId);
    blob.set(sig, 4);
    return `${EM_DASH} ${s.name} ${toBase64(blob)}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

function checkText(text: string): NoteError | undefined {
  if (!text.endsWith('\n'))
    return { code: 'NOTE_SIGNATURE_MALFORMED', message: 'the note text must end with a newline' };
  const bad = findControl(text);
  return bad
    ? {
        code: 'NOTE_CONTROL_CHARACTER',
        message: 'control characters other than newline are not allowed',
        details: { line: bad.line },
      }
    : undefined;
}

function findControl(text: string): { line: number } | undefined {
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    else if (c < 0x20) return { line };
  }
  return undefined;
}

/**
 * Parses a signed note strictly (c2sp.org/signed-note, "Format"): valid UTF-8, no control
 * characters but newline, a text ending in newline, a blank line, then one or more signature lines
 * `— <key name> <base64>` each ending in newline, and nothing else.
 */
export function parseNote(note: string | Uint8Array): Parsed<ParsedNote> {
  let text: string;
  if (typeof note === 'string') text = note;
  else {
    if (note.length > MAX_NOTE_BYTES) return noteFail('NOTE_TOO_LARGE', `a note is at most ${MAX_NOTE_BYTES} bytes`);
    const decoded = decodeUtf8(note);
    if (decoded === undefined) return noteFail('NOTE_NOT_UTF8', 'the note is not valid UTF-8');
    text = decoded;
  }
  if (text.length > MAX_NOTE_BYTES) return noteFail('NOTE_TOO_LARGE', `a note is at most ${MAX_NOTE_BYTES} bytes`);
  // Lone surrogates cannot be UTF-8: a string that would not survive encoding is not a note.
  if (LONE_SURROGATE.test(text)) return noteFail('NOTE_NOT_UTF8', 'the note is not valid UTF-8 (lone surrogate)');
  const control = findControl(text);
  if (control)
    return noteFail('NOTE_CONTROL_CHARACTER', 'control characters other than newline are not allowed', control);

  // The text is separated from the signatures by the last empty line.
  const split = text.lastIndexOf('\n\n');
  if (split < 0) return noteFail('NOTE_NO_SIGNATURES', 'no blank line before signature lines');
  const body = text.slice(0, split + 1);
  const sigBlock = text.slice(split + 2);
  const firstSigLine = body.split('\n').length + 1;
  if (sigBlock.length === 0)
    return noteFail('NOTE_NO_SIGNATURES', 'no signature lines after the blank line', { line: firstSigLine });
  if (!sigBlock.endsWith('\n'))
    return noteFail('NOTE_SIGNATURE_MALFORMED', 'the last signature line does not end with a newline', {
      line: firstSigLine + sigBlock.split('\n').length - 1,
    });

  const lines = sigBlock.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES)
    return noteFail('NOTE_TOO_MANY_SIGNATURES', `at most ${MAX_NOTE_SIGNATURES} signatures`, {
      line: firstSigLine + MAX_NOTE_SIGNATURES,
    });
  const signatures: NoteSignature[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = firstSigLine + i;
    const l = lines[i]!;
    if (!l.startsWith(`${EM_DASH} `))
      return noteFail('NOTE_SIGNATURE_MALFORMED', 'a signature line starts with an em dash (U+2014) and a space', {
        line,
      });
    const rest = l.slice(2);
    const space = rest.indexOf(' ');
    if (space < 0)
      return noteFail('NOTE_SIGNATURE_MALFORMED', 'a signature line is "— <key name> <signature>"', { line });
    const name = rest.slice(0, space);
    if (!isValidKeyName(name))
      return noteFail('NOTE_KEY_NAME_INVALID', 'the key name is empty or contains a space or +', { line });
    const blob = fromBase64(rest.slice(space + 1));
    if (!blob) return noteFail('NOTE_SIGNATURE_MALFORMED', 'the signature is not canonical base64', { line });
    if (blob.length < 5)
      return noteFail('NOTE_SIGNATURE_MALFORMED', 'the signature is shorter than a key ID and one byte', { line });
    const keyId = new DataView(blob.buffer, blob.byteOffset).getUint32(0);
    if (signatures.some((s) => s.name === name && s.keyId === keyId))
      return noteFail('NOTE_DUPLICATE_SIGNATURE', `key ${name} signed twice`, { line });
    signatures.push({ name, keyId, signature: blob.slice(4), line });
  }
  return noteOk({ text: body, signatures });
}

export interface OpenedNote {
  text: string;
  /** The known keys whose signatures verified. */
  verifiedBy: { name: string; keyId: number }[];
  /** Signatures from keys the caller does not know, ignored as the spec requires. */
  unknown: { name: string; keyId: number; line: number }[];
}

/**
 * Parses and verifies a note (c2sp.org/signed-note, "Signatures"): signatures from unknown keys
 * (name and key ID not both matching a known key) are ignored; a known key's signature that fails
 * rejects the whole note; with no verified signature from a known key the note is rejected.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): Parsed<OpenedNote> {
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const { text, signatures } = parsed.value;
  const message = utf8(text);
  const verifiedBy: OpenedNote['verifiedBy'] = [];
  const unknown: OpenedNote['unknown'] = [];
  for (const s of signatures) {
    const v = verifiers.find((k) => k.name === s.name && k.keyId === s.keyId);
    if (!v) {
      unknown.push({ name: s.name, keyId: s.keyId, line: s.line });
      continue;
    }
    if (!v.verify(message, s.signature))
      return noteFail('NOTE_SIGNATURE_INVALID', `the signature of ${s.name} does not verify`, {
        line: s.line,
        key: s.name,
      });
    verifiedBy.push({ name: s.name, keyId: s.keyId });
  }
  if (verifiedBy.length === 0) {
    return noteFail('NOTE_UNVERIFIED', 'no signature from a trusted key', { unknownKeys: unknown.map((u) => u.name) });
  }
  return noteOk({ text, verifiedBy, unknown });
}
