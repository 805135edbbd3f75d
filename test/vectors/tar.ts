import { END_OF_ARCHIVE, padding, ustarHeader } from '../../shared/bundle';
import type { Member } from './model';

/** A canonical tar of `members`, in order (what the exporter writes). */
export function writeTar(members: readonly Member[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members)
    parts.push(ustarHeader(m.name, m.data.length), m.data, new Uint8Array(padding(m.data.length)));
  parts.push(END_OF_ARCHIVE);
  return new Uint8Array(Buffer.concat(parts));
}

/** A ustar header with raw fields changed and its checksum recomputed (names the writer refuses). */
export function rawHeader(name: string, size: number, edit: (h: Uint8Array) => void = () => {}): Uint8Array {
  const h = ustarHeader('x', size);
  h.fill(0, 0, 100);
  h.set(Buffer.from(name, 'latin1').subarray(0, 100), 0);
  edit(h);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.set(Buffer.from(sum.toString(8).padStart(6, '0')), 148);
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

/** Offset of member `name`'s header in a tar written by writeTar. */
export function headerOffset(members: readonly Member[], name: string): number {
  let at = 0;
  for (const m of members) {
    if (m.name === name) return at;
    at += 512 + m.data.length + padding(m.data.length);
  }
  throw new Error(`no member ${name}`);
}
