/**
 * Cedar reports source locations as UTF-8 byte offsets into the text it was given. Editors
 * (CodeMirror) index a JS string in UTF-16 code units, and people count characters. This module
 * converts once, so that an error after "Büro" or "東京" or an emoji still points at the right token.
 */

export interface SourceLocation {
  /** UTF-16 offsets into the JS string (what `text.slice(start, end)` and CodeMirror use). */
  start: number;
  end: number;
  /** 1-based line; lines end at "\n". */
  line: number;
  /** 1-based column in Unicode code points (what a person counts). */
  column: number;
  endLine: number;
  endColumn: number;
}

export interface ByteLocator {
  /** The location of the UTF-8 byte range [byteStart, byteEnd) of the text (what Cedar reports). */
  locate(byteStart: number, byteEnd: number): SourceLocation;
  /** The location of the UTF-16 range [start, end) of the text (what String.indexOf gives). */
  locateText(start: number, end: number): SourceLocation;
}

/**
 * Indexes `text` once (O(n)); each lookup is a binary search. A byte offset inside a multi-byte
 * character is moved back to the start of that character; offsets past the end clamp to the end.
 */
export function createByteLocator(text: string): ByteLocator {
  // For code point k: the byte offset and UTF-16 offset where it starts; entry k = count is the end.
  const byteAt: number[] = [];
  const unitAt: number[] = [];
  // Code point index of the first code point of each line.
  const lineStart: number[] = [0];
  let bytes = 0;
  let unit = 0;
  let k = 0;
  for (const ch of text) {
    byteAt.push(bytes);
    unitAt.push(unit);
    const cp = ch.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    unit += ch.length;
    k++;
    if (ch === '\n') lineStart.push(k);
  }
  byteAt.push(bytes);
  unitAt.push(unit);

  const position = (cp: number) => {
    const line = lastAtMost(lineStart, cp);
    return { unit: unitAt[cp]!, line: line + 1, column: cp - lineStart[line]! + 1 };
  };
  const range = (cpStart: number, cpEnd: number): SourceLocation => {
    const s = position(cpStart);
    const e = position(Math.max(cpStart, cpEnd));
    return { start: s.unit, end: e.unit, line: s.line, column: s.column, endLine: e.line, endColumn: e.column };
  };

  return {
    locate: (byteStart, byteEnd) => range(lastAtMost(byteAt, byteStart), lastAtMost(byteAt, byteEnd)),
    locateText: (start, end) => range(lastAtMost(unitAt, start), lastAtMost(unitAt, end)),
  };
}

/** Index of the last element <= x in an ascending array starting at 0 (0 for x <= 0 or NaN). */
function lastAtMost(sorted: readonly number[], x: number): number {
  if (!(x > 0)) return 0;
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
