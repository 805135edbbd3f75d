/**
 * The card's identity from its Card Holder Unique Identifier (CHUID, SP 800-73-4 Part 1 Table 9):
 * the FASC-N and the GUID. OpenSC exposes the CHUID as a public data object; its CKA_VALUE is the
 * object as GET DATA returns it (the tag 53 wrapper included). Pure: no PKCS#11 here.
 */

/** The data object's CKA_LABEL in OpenSC's PIV driver. */
export const CHUID_LABEL = 'Card Holder Unique Identifier';

export interface Fascn {
  agency: string; // 4 digits
  system: string; // 4 digits
  credential: string; // 6 digits
  /** The person identifier (10 digits; on a DoD card, the EDIPI). */
  pi: string;
}

export interface CardIdentity {
  fascn: Fascn | null;
  /** The GUID as a UUID (8-4-4-4-12 hex), or null when absent or all zero. */
  guid: string | null;
}

/** One level of BER-TLV (one- or two-byte tags, lengths up to 0xFFFF); null when malformed. */
function parseTlvs(data: Uint8Array): { tag: number; value: Uint8Array }[] | null {
  const out: { tag: number; value: Uint8Array }[] = [];
  let i = 0;
  while (i < data.length) {
    let tag = data[i++]!;
    if ((tag & 0x1f) === 0x1f) tag = (tag << 8) | (data[i++] ?? 0);
    let len = data[i++];
    if (len === undefined) return null;
    if (len === 0x81) len = data[i++] ?? 0;
    else if (len === 0x82) {
      len = ((data[i] ?? 0) << 8) | (data[i + 1] ?? 0);
      i += 2;
    } else if (len > 0x82) return null;
    if (i + len > data.length) return null;
    out.push({ tag, value: data.subarray(i, i + len) });
    i += len;
  }
  return out;
}

/**
 * FASC-N (TIG SCEPACS v2.3 §6.6): 40 characters of 4 data bits (least significant first) and a
 * parity bit. Returns the digits of agency, system, credential and PI, or null when it does not parse.
 */
export function decodeFascn(bytes: Uint8Array): Fascn | null {
  if (bytes.length !== 25) return null;
  const chars: number[] = [];
  for (let c = 0; c < 40; c++) {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const bit = c * 5 + i;
      if (bytes[bit >> 3]! & (0x80 >> (bit & 7))) v |= 1 << i;
    }
    chars.push(v);
  }
  const s = chars.map((v) => (v < 10 ? String(v) : '|')).join('');
  const m = /^\|(\d{4})\|(\d{4})\|(\d{6})\|\d\|\d\|(\d{10})/.exec(s);
  return m ? { agency: m[1]!, system: m[2]!, credential: m[3]!, pi: m[4]! } : null;
}

function formatGuid(bytes: Uint8Array): string | null {
  if (bytes.length !== 16 || bytes.every((b) => b === 0)) return null;
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The FASC-N (tag 30) and GUID (tag 34) of a CHUID, with or without its tag 53 wrapper; null when it does not parse. */
export function parseChuid(object: Uint8Array): CardIdentity | null {
  let fields = parseTlvs(object);
  if (fields?.length === 1 && fields[0]!.tag === 0x53) fields = parseTlvs(fields[0]!.value);
  if (!fields) return null;
  const fascn = fields.find((f) => f.tag === 0x30);
  const guid = fields.find((f) => f.tag === 0x34);
  const identity = { fascn: fascn ? decodeFascn(fascn.value) : null, guid: guid ? formatGuid(guid.value) : null };
  return identity.fascn || identity.guid ? identity : null;
}
