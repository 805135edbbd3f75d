import { describe, expect, it } from 'vitest';
import { createByteLocator } from '../../../shared/policy';

const utf8 = (s: string) => new TextEncoder().encode(s).length;

describe('byte offsets to character locations', () => {
  it('counts 2-, 3- and 4-byte characters as one column each', () => {
    const text = 'ab\nÜß 東京 🚀 x\nlast';
    const loc = createByteLocator(text);
    const at = text.indexOf('x');
    const l = loc.locate(utf8(text.slice(0, at)), utf8(text.slice(0, at + 1)));
    expect(text.slice(l.start, l.end)).toBe('x');
    // Ü ß ␠ 東 京 ␠ 🚀 ␠ x: x is the 9th character of line 2 although it is the 10th UTF-16 unit.
    expect(l).toMatchObject({ line: 2, column: 9, endLine: 2, endColumn: 10 });
  });

  it('gives the same location for a UTF-16 range as for the same bytes', () => {
    const text = '// ünïcödé 🚀\npermit';
    const loc = createByteLocator(text);
    const start = text.indexOf('permit');
    expect(loc.locateText(start, start + 6)).toEqual(loc.locate(utf8(text.slice(0, start)), utf8(text)));
  });

  it('moves an offset inside a character back to its start and clamps past the end', () => {
    const text = 'é🚀';
    const loc = createByteLocator(text);
    expect(loc.locate(1, 1)).toMatchObject({ start: 0, column: 1 });
    expect(loc.locate(4, 4)).toMatchObject({ start: 1, column: 2 });
    expect(loc.locate(100, 200)).toMatchObject({ start: 3, end: 3, line: 1, column: 3 });
    expect(loc.locate(-5, Number.NaN)).toMatchObject({ start: 0, end: 0 });
  });

  it('a location at the very start of a line is column 1 of that line', () => {
    const text = 'one\ntwo\n\nfour';
    const loc = createByteLocator(text);
    expect(loc.locateText(text.indexOf('four'), text.length)).toMatchObject({
      line: 4,
      column: 1,
      endLine: 4,
      endColumn: 5,
    });
  });
});
