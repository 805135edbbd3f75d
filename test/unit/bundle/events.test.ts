import { describe, expect, it } from 'vitest';
import { EventRecordScanner, eventRecordHeader, EventsMalformed, EVENT_RECORD_HEADER } from '../../../shared/bundle';

/** events.bin records: u64be(seq) ‖ u32be(n) ‖ d ‖ h ‖ bytes, read in place or across chunks alike. */
describe('EventRecordScanner: records', () => {
  const seqs = [0, 1, 255, 256, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 12_345, 2 ** 53 - 1];
  const file = Buffer.concat(
    seqs.flatMap((s, i) => [
      eventRecordHeader(s, i * 37, new Uint8Array(32).fill(i), new Uint8Array(32).fill(i + 100)),
      new Uint8Array(i * 37).fill(i),
    ]),
  );

  for (const step of [file.length, 1, 7, 76, 100]) {
    it(`gives every seq, length, digest and hash exactly, in chunks of ${step} bytes`, () => {
      const got: { seq: number; n: number; d: number; h: number; b: number }[] = [];
      const r = new EventRecordScanner(
        (buf, at, seq, n) =>
          got.push({ seq, n, d: buf[at + 12]!, h: buf[at + 75]!, b: n === 0 ? -1 : buf[at + EVENT_RECORD_HEADER]! }),
        1 << 20,
      );
      for (let i = 0; i < file.length; i += step) r.push(file.subarray(i, i + step));
      r.end();
      expect(got).toEqual(seqs.map((seq, i) => ({ seq, n: i * 37, d: i, h: i + 100, b: i === 0 ? -1 : i })));
    });
  }

  it('refuses a seq beyond 2^53 and a declared length beyond the limit, with the offset', () => {
    const big = eventRecordHeader(0, 5, new Uint8Array(32), new Uint8Array(32));
    big[0] = 0xff;
    expect(() => new EventRecordScanner(() => {}, 100).push(Buffer.concat([big, new Uint8Array(5)]))).toThrow(
      /seq beyond 2\^53/,
    );
    const long = eventRecordHeader(3, 0, new Uint8Array(32), new Uint8Array(32));
    long[8] = 0xff;
    let e: unknown;
    try {
      new EventRecordScanner(() => {}, 100).push(long);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(EventsMalformed);
    expect((e as EventsMalformed).code).toBe('BUNDLE_EVENT_TOO_LARGE');
    expect((e as EventsMalformed).offset).toBe(0);
  });
});

describe('EventRecordScanner: positions', () => {
  const lens = [0, 1, 75, 76, 77, 300, 1000];
  const file = Buffer.concat(
    lens.flatMap((n, i) => [
      eventRecordHeader(10 + i, n, new Uint8Array(32).fill(i + 1), new Uint8Array(32).fill(i + 50)),
      Buffer.alloc(n, i + 7),
    ]),
  );

  for (const step of [file.length, 1, 13, 76, 77, 512]) {
    it(`points at each record's exact header and bytes, in chunks of ${step} bytes (in place or assembled)`, () => {
      const got: { seq: number; len: number; offset: number; record: string; inPlace: boolean }[] = [];
      let chunk: Uint8Array = new Uint8Array(0);
      const s = new EventRecordScanner(
        (buf, at, seq, len, offset) =>
          got.push({
            seq,
            len,
            offset,
            record: Buffer.from(buf.subarray(at, at + EVENT_RECORD_HEADER + len)).toString('hex'),
            inPlace: buf === chunk,
          }),
        1 << 20,
      );
      for (let i = 0; i < file.length; i += step) s.push((chunk = file.subarray(i, i + step)));
      s.end();
      let offset = 0;
      const want = lens.map((len, i) => {
        const r = {
          seq: 10 + i,
          len,
          offset,
          record: file.subarray(offset, offset + EVENT_RECORD_HEADER + len).toString('hex'),
        };
        offset += EVENT_RECORD_HEADER + len;
        return r;
      });
      expect(got.map(({ inPlace: _, ...r }) => r)).toEqual(want);
      // Records inside one chunk are handed over in place (no copy); with the whole file as one chunk, all are.
      if (step === file.length) expect(got.every((r) => r.inPlace)).toBe(true);
    });
  }

  it('refuses a file that ends inside a record, with the record offset', () => {
    const s = new EventRecordScanner(() => {}, 1 << 20);
    s.push(file.subarray(0, EVENT_RECORD_HEADER + 5));
    expect(() => s.end()).toThrow(/ends inside the record at offset 76/);
  });
});
