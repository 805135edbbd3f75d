/**
 * BER-TLV as PIV uses it (SP 800-73-4 Part 1 §3, ISO 7816-4 §5.2): one- or two-byte tags,
 * definite lengths up to 0xFFFF. Just enough for the virtual card.
 */
export function tlvLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  if (n <= 0xff) return Uint8Array.of(0x81, n);
  return Uint8Array.of(0x82, n >> 8, n & 0xff);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Encodes one TLV; `tag` is 1 or 2 bytes (e.g. 0x53, 0x5f2f). */
export function tlv(tag: number, ...value: Uint8Array[]): Uint8Array {
  const body = concat(...value);
  const t = tag > 0xff ? Uint8Array.of(tag >> 8, tag & 0xff) : Uint8Array.of(tag);
  return concat(t, tlvLength(body.length), body);
}

export interface Tlv {
  tag: number;
  value: Uint8Array;
}

/** Parses a sequence of TLVs; throws on truncation (the card answers 6A80). */
export function parseTlvs(data: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let i = 0;
  while (i < data.length) {
    let tag = data[i++]!;
    if ((tag & 0x1f) === 0x1f) tag = (tag << 8) | data[i++]!;
    let len = data[i++];
    if (len === undefined) throw new Error('truncated TLV');
    if (len === 0x81) len = data[i++]!;
    else if (len === 0x82) {
      len = (data[i]! << 8) | data[i + 1]!;
      i += 2;
    } else if (len > 0x82) throw new Error('unsupported TLV length');
    if (i + len > data.length) throw new Error('truncated TLV');
    out.push({ tag, value: data.subarray(i, i + len) });
    i += len;
  }
  return out;
}
