import { PassThrough } from 'node:stream';
import { to as copyTo } from 'pg-copy-streams';
import { describe, expect, it } from 'vitest';
import { leanCopyOut } from '../../../electron/main/chain/copy-rows';

/**
 * leanCopyOut replaces pg-copy-streams' parsing loop (copy-rows.ts): on the same protocol bytes,
 * cut into the same chunks, it must deliver exactly the library's COPY bytes and hand exactly the
 * same bytes back to pg (what follows CopyDone; an ErrorResponse and what follows it).
 */
let seed = 11;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed % n;
};

function message(code: string, content: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head[0] = code.charCodeAt(0);
  head.writeUInt32BE(content.length + 4, 1);
  return Buffer.concat([head, content]);
}
const bytes = (n: number) => Buffer.from(Uint8Array.from({ length: n }, () => rand(256)));

/** A COPY out as PostgreSQL sends it: CopyOutResponse, CopyData (some interspersed notices), then `ending`. */
function wire(rows: number, ending: Buffer[]): { all: Buffer; data: Buffer } {
  const parts: Buffer[] = [message('H', Buffer.from([1, 0, 4, 0, 1, 0, 1, 0, 1, 0, 1]))];
  const data: Buffer[] = [];
  for (let i = 0; i < rows; i++) {
    const d = bytes(rand(5) === 0 ? rand(6) : 300 + rand(900));
    data.push(d);
    parts.push(message('d', d));
    if (rand(40) === 0) parts.push(message(rand(2) ? 'N' : 'S', bytes(20 + rand(60))));
  }
  return { all: Buffer.concat([...parts, ...ending]), data: Buffer.concat(data) };
}

async function feed(lean: boolean, all: Buffer, sizes: number[]) {
  const q = copyTo('COPY (SELECT 1) TO STDOUT (FORMAT binary)');
  if (lean) leanCopyOut(q);
  const socket = new PassThrough();
  const handed: Buffer[] = [];
  socket.on('data', (b: Buffer) => handed.push(Buffer.from(b))); // pg's own reader
  const out: Buffer[] = [];
  let ended = false;
  q.on('data', (b: Buffer) => out.push(Buffer.from(b)));
  q.on('end', () => (ended = true));
  (q as unknown as { submit(c: unknown): void }).submit({ stream: socket, query() {} });
  let o = 0;
  for (const n of sizes) {
    socket.write(Buffer.from(all.subarray(o, o + n))); // a buffer per read, as a socket gives (the parser compacts it in place)
    o += n;
    await new Promise((r) => setImmediate(r));
  }
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return { out: Buffer.concat(out), handed: Buffer.concat(handed), ended };
}

function cuts(total: number, pick: () => number): number[] {
  const out: number[] = [];
  for (let o = 0; o < total;) {
    const n = Math.max(1, pick());
    out.push(n);
    o += n;
  }
  return out;
}

describe('leanCopyOut (the COPY out parsing loop)', () => {
  const after = Buffer.concat([message('C', Buffer.from('COPY 300\0')), message('Z', Buffer.from('T'))]);
  for (const [name, pick] of [
    ['socket-sized chunks', () => 1 + rand(65536)],
    ['small chunks (headers and payloads split)', () => 1 + rand(700)],
    ['byte by byte', () => 1],
  ] as const) {
    it(`${name}: the library's COPY bytes, its end, and the rest handed back to pg`, async () => {
      const { all, data } = wire(name === 'byte by byte' ? 8 : 300, [message('c', Buffer.alloc(0)), after]);
      const sizes = cuts(all.length, pick);
      const lib = await feed(false, all, sizes);
      const ours = await feed(true, all, sizes);
      expect(lib.out.equals(data)).toBe(true);
      expect(ours.out.equals(data)).toBe(true);
      expect([ours.ended, lib.ended]).toEqual([true, true]);
      expect(ours.handed.equals(after)).toBe(true);
      expect(lib.handed.equals(after)).toBe(true);
    });
  }

  it('an ErrorResponse mid-copy: the same bytes delivered before it, and it handed to pg with what follows', async () => {
    const error = Buffer.concat([
      message('E', Buffer.from('SERROR\0C57014\0Mcanceling statement due to user request\0\0')),
      message('Z', Buffer.from('E')),
    ]);
    const { all } = wire(200, [error]);
    for (const pick of [() => 1 + rand(65536), () => 1 + rand(500)]) {
      const sizes = cuts(all.length, pick);
      const lib = await feed(false, all, sizes);
      const ours = await feed(true, all, sizes);
      expect(ours.out.equals(lib.out)).toBe(true);
      expect(ours.handed.equals(error)).toBe(true);
      expect(lib.handed.equals(error)).toBe(true);
      expect([ours.ended, lib.ended]).toEqual([false, false]);
    }
  });

  it('keeps the library parser when its internals are not the expected ones', () => {
    const odd = { _parse: 1 };
    expect(leanCopyOut(odd)).toBe(odd);
    expect(odd._parse).toBe(1);
  });
});
