import { fromBase64, toBase64 } from '../bytes';
import { isTenantId } from '../chain/format';
import { noteFail, noteOk, type Parsed } from './errors';
import { openNote, type OpenedNote } from './note';
import type { NoteVerifier } from './keys';

/** A checkpoint body (c2sp.org/tlog-checkpoint, "Note text"). */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  extensions: string[];
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** `<origin>\n<size>\n<base64 root>\n` and any extension lines, each ending in newline. */
export function formatCheckpoint(c: Checkpoint): string {
  if (c.origin.length === 0 || c.origin.includes('\n'))
    throw new RangeError('checkpoint origin must be one non-empty line');
  if (!Number.isSafeInteger(c.size) || c.size < 0)
    throw new RangeError('checkpoint size must be a non-negative integer');
  if (c.root.length !== 32) throw new RangeError('checkpoint root must be 32 bytes');
  if (c.extensions.some((e) => e.length === 0 || e.includes('\n')))
    throw new RangeError('extension lines must be non-empty single lines');
  return [c.origin, String(c.size), toBase64(c.root), ...c.extensions].map((l) => `${l}\n`).join('');
}

/**
 * Parses a checkpoint body strictly: at least three non-empty lines, a decimal size without
 * leading zeros, a canonical base64 SHA-256 root; extension lines must be non-empty.
 * `firstLine` offsets the reported line numbers when the body sits inside a larger text.
 */
export function parseCheckpoint(text: string, firstLine = 1): Parsed<Checkpoint> {
  if (!text.endsWith('\n'))
    return noteFail('CHECKPOINT_TOO_FEW_LINES', 'a checkpoint body ends with a newline', {
      line: firstLine + text.split('\n').length - 1,
    });
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3)
    return noteFail('CHECKPOINT_TOO_FEW_LINES', 'a checkpoint has an origin, a size and a root line', {
      line: firstLine + lines.length,
    });
  const [origin, size, root, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0)
    return noteFail('CHECKPOINT_ORIGIN_INVALID', 'the origin line is empty', { line: firstLine });
  if (!DECIMAL.test(size) || !Number.isSafeInteger(Number(size)))
    return noteFail('CHECKPOINT_SIZE_INVALID', 'the size is not a decimal without leading zeros (below 2^53)', {
      line: firstLine + 1,
    });
  const rootBytes = fromBase64(root);
  if (!rootBytes || rootBytes.length !== 32)
    return noteFail('CHECKPOINT_ROOT_INVALID', 'the root is not the base64 of 32 bytes', { line: firstLine + 2 });
  const empty = extensions.findIndex((e) => e.length === 0);
  if (empty >= 0)
    return noteFail('CHECKPOINT_EXTENSION_INVALID', 'extension lines must be non-empty', {
      line: firstLine + 3 + empty,
    });
  return noteOk({ origin, size: Number(size), root: rootBytes, extensions });
}

/**
 * The ARX profile of a checkpoint. Origin `arx.gateway/<tenant id>`, and exactly two extension
 * lines, in this order:
 *   arx-time <RFC 3339 UTC time with microseconds>   when it was issued: checkpoints come every N events
 *                                                     or T minutes even when nothing happened, so that
 *                                                     silence is provable, which needs a signed time
 *   arx-head <base64 chain hash h_{size-1}>          (the genesis hash G for size 0) — binds the tree
 *                                                     to the chain head, so a chain verifier can anchor
 *                                                     on it without rebuilding the tree
 * c2sp.org/tlog-checkpoint discourages extension lines because generic log monitors cannot audit
 * them; ARX's own verifier does check both (docs/chain-format.md, "Checkpoints").
 */
export interface ArxCheckpoint {
  tenantId: string;
  size: number;
  root: Uint8Array;
  /** e.g. "2026-11-25T18:00:00.123456Z" */
  time: string;
  head: Uint8Array;
}

export const ARX_ORIGIN_PREFIX = 'arx.gateway/';
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})Z$/;

export function arxOrigin(tenantId: string): string {
  if (!isTenantId(tenantId))
    throw new RangeError(`tenant id must be a lowercase hyphenated UUID, got ${JSON.stringify(tenantId)}`);
  return `${ARX_ORIGIN_PREFIX}${tenantId}`;
}

/** Whether `time` is a real UTC instant written exactly as the profile requires. */
export function isArxTime(time: string): boolean {
  const m = TIME.exec(time);
  if (!m) return false;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
}

export function formatArxCheckpoint(c: ArxCheckpoint): string {
  if (!isArxTime(c.time))
    throw new RangeError(`arx-time must be RFC 3339 UTC with microseconds, got ${JSON.stringify(c.time)}`);
  if (c.head.length !== 32) throw new RangeError('arx-head must be 32 bytes');
  return formatCheckpoint({
    origin: arxOrigin(c.tenantId),
    size: c.size,
    root: c.root,
    extensions: [`arx-time ${c.time}`, `arx-head ${toBase64(c.head)}`],
  });
}

export function parseArxCheckpoint(text: string, firstLine = 1): Parsed<ArxCheckpoint> {
  const parsed = parseCheckpoint(text, firstLine);
  if (!parsed.ok) return parsed;
  const { origin, size, root, extensions } = parsed.value;
  const tenantId = origin.startsWith(ARX_ORIGIN_PREFIX) ? origin.slice(ARX_ORIGIN_PREFIX.length) : '';
  if (!isTenantId(tenantId))
    return noteFail('CHECKPOINT_ORIGIN_INVALID', `the origin is not ${ARX_ORIGIN_PREFIX}<tenant id>`, {
      line: firstLine,
    });
  const at = (i: number) => firstLine + 3 + i;
  if (extensions.length !== 2) {
    return noteFail(
      'CHECKPOINT_EXTENSION_INVALID',
      'an ARX checkpoint has exactly two extension lines: arx-time, arx-head',
      { line: at(Math.min(extensions.length, 2)) },
    );
  }
  const [timeLine, headLine] = extensions as [string, string];
  if (!timeLine.startsWith('arx-time ') || !isArxTime(timeLine.slice(9))) {
    return noteFail('CHECKPOINT_EXTENSION_INVALID', 'line 4 must be "arx-time <YYYY-MM-DDTHH:MM:SS.ffffffZ>"', {
      line: at(0),
    });
  }
  const head = headLine.startsWith('arx-head ') ? fromBase64(headLine.slice(9)) : undefined;
  if (!head || head.length !== 32)
    return noteFail('CHECKPOINT_EXTENSION_INVALID', 'line 5 must be "arx-head <base64 of 32 bytes>"', { line: at(1) });
  return noteOk({ tenantId, size, root, time: timeLine.slice(9), head });
}

export interface OpenedCheckpoint {
  checkpoint: ArxCheckpoint;
  note: OpenedNote;
}

/**
 * Verifies a signed ARX checkpoint: the note's signatures (openNote), the strict body, and that
 * it is the expected tenant's log. A signature is checked before the body is interpreted, as the
 * signed-note spec requires ("the text MUST be ignored unless … verified").
 */
export function openArxCheckpoint(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  expect: { tenantId: string },
): Parsed<OpenedCheckpoint> {
  const opened = openNote(note, verifiers);
  if (!opened.ok) return opened;
  const checkpoint = parseArxCheckpoint(opened.value.text);
  if (!checkpoint.ok) return checkpoint;
  if (checkpoint.value.tenantId !== expect.tenantId) {
    return noteFail(
      'CHECKPOINT_ORIGIN_MISMATCH',
      `the checkpoint is for tenant ${checkpoint.value.tenantId}, not ${expect.tenantId}`,
      { line: 1 },
    );
  }
  return noteOk({ checkpoint: checkpoint.value, note: opened.value });
}
