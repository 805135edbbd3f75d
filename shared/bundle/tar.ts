import { DEFAULT_LIMITS, MEMBER_NAME, TAR_MTIME, type BundleFatalCode, type BundleLimits } from './format';

/**
 * The bundle's container: POSIX ustar (IEEE Std 1003.1-2001, "pax Interchange Format", ustar
 * header), uncompressed, in ONE canonical form. Hand-written rather than taken from a tar library
 * on purpose: tar libraries accept every dialect (GNU long names, pax headers, sparse files,
 * links, base-256 sizes, lenient checksums) and we must refuse all of them and check that every
 * byte of every header is the one our exporter writes — so that no byte of the file can change
 * without the verifier noticing. What remains is 512-byte blocks and octal fields: small enough
 * to check by eye against the standard.
 */
export const BLOCK = 512;
/** The largest size an 11-digit octal field holds: 8 GiB − 1. */
export const MAX_TAR_MEMBER = 0o77777777777;

export class BundleFatal extends Error {
  constructor(
    readonly code: BundleFatalCode,
    message: string,
    readonly location: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = 'BundleFatal';
  }
}

const enc = new TextEncoder();

function octal(buf: Uint8Array, at: number, width: number, value: number): void {
  // width-1 octal digits, then NUL.
  const s = value.toString(8).padStart(width - 1, '0');
  if (s.length > width - 1) throw new RangeError(`tar: ${value} does not fit ${width - 1} octal digits`);
  buf.set(enc.encode(s), at);
  buf[at + width - 1] = 0;
}

/** The one header our exporter writes for a regular file `name` of `size` bytes. */
export function ustarHeader(name: string, size: number): Uint8Array {
  if (!MEMBER_NAME.test(name)) throw new RangeError(`tar: invalid member name ${JSON.stringify(name)}`);
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_TAR_MEMBER)
    throw new RangeError(`tar: size ${size} out of range`);
  const h = new Uint8Array(BLOCK);
  h.set(enc.encode(name), 0);
  octal(h, 100, 8, 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, TAR_MTIME);
  h[156] = 0x30; // '0': regular file
  h.set(enc.encode('ustar\0'), 257);
  h.set(enc.encode('00'), 263);
  // Checksum: the sum of all header bytes with the checksum field read as eight spaces;
  // written as six octal digits, NUL, space (the traditional layout every tar reads).
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  h.set(enc.encode(sum.toString(8).padStart(6, '0')), 148);
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

export const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;
export const END_OF_ARCHIVE = new Uint8Array(2 * BLOCK);

/** What the reader tells its consumer. */
export interface TarSink {
  /** A member starts; `index` counts from 0. */
  begin(name: string, size: number, index: number): void;
  /** Bytes of the current member (a view into the input: copy to keep). */
  data(chunk: Uint8Array): void;
  /** The current member's bytes are complete. */
  end(): void;
}

const dec = new TextDecoder('latin1');

function field(h: Uint8Array, at: number, width: number): string {
  let end = at;
  while (end < at + width && h[end] !== 0) end++;
  return dec.decode(h.subarray(at, end));
}

function parseOctal(h: Uint8Array, at: number, width: number): number | undefined {
  const s = field(h, at, width).trim();
  if (!/^[0-7]{1,11}$/.test(s)) return undefined;
  return Number.parseInt(s, 8);
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * Streaming, push-based reader of the canonical ustar stream. It never buffers a member's data
 * (only a header block at a time), so memory does not grow with the bundle. Every violation
 * throws a BundleFatal with its own code and the byte offset.
 */
export class TarReader {
  private readonly header = new Uint8Array(BLOCK);
  private headerFill = 0;
  private state: 'header' | 'data' | 'pad' | 'end2' | 'done' = 'header';
  private remaining = 0;
  private padLeft = 0;
  private offset = 0;
  private members = 0;
  private readonly limits: BundleLimits;

  constructor(
    private readonly sink: TarSink,
    limits: Partial<BundleLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  get bytesRead(): number {
    return this.offset;
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    if (this.offset + chunk.length > this.limits.maxTotalBytes) {
      throw new BundleFatal(
        'BUNDLE_TOO_LARGE',
        `the bundle is larger than the limit of ${this.limits.maxTotalBytes} bytes`,
        { offset: this.limits.maxTotalBytes },
      );
    }
    while (i < chunk.length) {
      switch (this.state) {
        case 'header':
        case 'end2': {
          const n = Math.min(BLOCK - this.headerFill, chunk.length - i);
          this.header.set(chunk.subarray(i, i + n), this.headerFill);
          this.headerFill += n;
          i += n;
          this.offset += n;
          if (this.headerFill === BLOCK) {
            this.headerFill = 0;
            this.onBlock();
          }
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, chunk.length - i);
          this.sink.data(chunk.subarray(i, i + n));
          this.remaining -= n;
          i += n;
          this.offset += n;
          if (this.remaining === 0) this.finishData();
          break;
        }
        case 'pad': {
          const n = Math.min(this.padLeft, chunk.length - i);
          for (let k = 0; k < n; k++) {
            if (chunk[i + k] !== 0)
              throw new BundleFatal('BUNDLE_PADDING_NONZERO', 'the padding after a member is not zero bytes', {
                offset: this.offset + k,
              });
          }
          this.padLeft -= n;
          i += n;
          this.offset += n;
          if (this.padLeft === 0) this.state = 'header';
          break;
        }
        case 'done':
          throw new BundleFatal('BUNDLE_TRAILING_DATA', 'there are bytes after the end-of-archive blocks', {
            offset: this.offset,
          });
      }
    }
  }

  /** The input ended: it must end exactly after the two zero blocks. */
  end(): void {
    if (this.offset === 0) throw new BundleFatal('BUNDLE_NOT_A_BUNDLE', 'the file is empty', { offset: 0 });
    if (this.members === 0)
      throw new BundleFatal(
        'BUNDLE_NOT_A_BUNDLE',
        `the file is not an ARX bundle (${this.offset} bytes, less than one tar header)`,
        { offset: 0 },
      );
    if (this.state !== 'done') {
      throw new BundleFatal(
        'BUNDLE_TRUNCATED',
        `the bundle ends early (after ${this.offset} bytes, ${this.describeState()})`,
        { offset: this.offset },
      );
    }
  }

  private describeState(): string {
    if (this.state === 'data') return `${this.remaining} bytes of a member missing`;
    if (this.state === 'end2') return 'in the end-of-archive blocks';
    return this.members === 0 ? 'before the first member' : 'before the end-of-archive blocks';
  }

  private finishData(): void {
    this.sink.end();
    this.state = this.padLeft > 0 ? 'pad' : 'header';
  }

  private onBlock(): void {
    const h = this.header;
    const at = this.offset - BLOCK;
    if (this.state === 'end2') {
      if (!isZero(h))
        throw new BundleFatal('BUNDLE_TAR_HEADER_INVALID', 'the second end-of-archive block is not zero', {
          offset: at,
        });
      this.state = 'done';
      return;
    }
    if (isZero(h)) {
      if (this.members === 0)
        throw new BundleFatal(
          'BUNDLE_NOT_A_BUNDLE',
          'the file is not a tar archive of members (it starts with a zero block)',
          { offset: at },
        );
      this.state = 'end2';
      return;
    }
    const { name, size, loc } = memberHeader(h, at, this.members === 0);
    if (++this.members > this.limits.maxMembers)
      throw new BundleFatal('BUNDLE_TOO_MANY_MEMBERS', `more than ${this.limits.maxMembers} members`, loc);
    if (this.offset + size > this.limits.maxTotalBytes) {
      throw new BundleFatal(
        'BUNDLE_TOO_LARGE',
        `member "${name}" declares ${size} bytes, beyond the limit of ${this.limits.maxTotalBytes} bytes for a bundle`,
        loc,
      );
    }
    this.sink.begin(name, size, this.members - 1);
    this.remaining = size;
    this.padLeft = padding(size);
    if (size === 0) this.finishData();
    else this.state = 'data';
  }
}

/**
 * The member a header block at offset `at` announces: a canonical ustar header of a regular file
 * with a plain member name. The first block that is no tar header says the file is no bundle.
 */
function memberHeader(h: Uint8Array, at: number, first: boolean) {
  checkUstar(h, at, first);
  const prefix = field(h, 345, 155);
  const name = prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100);
  const loc = { offset: at, member: name.slice(0, 200) };
  checkMemberName(name, String.fromCharCode(h[156]!), loc);
  const size = parseOctal(h, 124, 12);
  if (size === undefined)
    throw new BundleFatal('BUNDLE_TAR_HEADER_INVALID', `member "${name}" has an invalid size field`, loc);
  const canonical = ustarHeader(name, size);
  for (let k = 0; k < BLOCK; k++) {
    if (canonical[k] !== h[k])
      throw new BundleFatal(
        'BUNDLE_HEADER_NONCANONICAL',
        `the header of member "${name}" differs from the canonical one at byte ${k}`,
        { ...loc, offset: at + k },
      );
  }
  return { name, size, loc };
}

/** Checksum first: it says whether this block is a header at all; then the ustar magic. */
function checkUstar(h: Uint8Array, at: number, first: boolean): void {
  const notTar = (message: string): never => {
    throw new BundleFatal(
      first ? 'BUNDLE_NOT_A_BUNDLE' : 'BUNDLE_TAR_HEADER_INVALID',
      first ? `the file is not an ARX bundle: ${message}` : message,
      { offset: at },
    );
  };
  const stored = parseOctal(h, 148, 8);
  let sum = 0;
  for (let k = 0; k < BLOCK; k++) sum += k >= 148 && k < 156 ? 0x20 : h[k]!;
  if (stored === undefined || stored !== sum) notTar('a tar header checksum does not match');
  if (field(h, 257, 6) !== 'ustar' || h[262] !== 0 || h[263] !== 0x30 || h[264] !== 0x30)
    notTar('the header is not POSIX ustar');
}

/** A regular file (no link), at a relative path that stays inside the bundle, named as members are. */
function checkMemberName(name: string, type: string, loc: { offset: number; member: string }): void {
  if (type === '1' || type === '2')
    throw new BundleFatal(
      'BUNDLE_MEMBER_LINK',
      `member "${name.slice(0, 100)}" is a ${type === '1' ? 'hard' : 'symbolic'} link`,
      loc,
    );
  if (type !== '0')
    throw new BundleFatal(
      'BUNDLE_MEMBER_TYPE',
      `member "${name.slice(0, 100)}" is not a regular file (type ${JSON.stringify(type)})`,
      loc,
    );
  if (name.startsWith('/'))
    throw new BundleFatal('BUNDLE_PATH_ABSOLUTE', `member "${name.slice(0, 100)}" has an absolute path`, loc);
  if (name.split(/[\\/]/).includes('..'))
    throw new BundleFatal(
      'BUNDLE_PATH_TRAVERSAL',
      `member "${name.slice(0, 100)}" climbs out of the bundle with ".."`,
      loc,
    );
  if (!MEMBER_NAME.test(name))
    throw new BundleFatal(
      'BUNDLE_MEMBER_NAME_INVALID',
      `member name "${name.slice(0, 100)}" is not a plain bundle member name`,
      loc,
    );
}
