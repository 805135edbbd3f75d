/**
 * FASC-N encoding (TIG SCEPACS v2.3 §6.6): 40 characters of 4 data bits (least significant first)
 * and an odd parity bit, 200 bits in 25 bytes: SS agency FS system FS credential FS CS FS ICI FS
 * PI OC OI POA ES LRC.
 */
const SS = 0xb;
const FS = 0xd;
const ES = 0xf;

export interface Fascn {
  agency: string; // 4 digits
  system: string; // 4 digits
  credential: string; // 6 digits
  pi: string; // 10 digits (the person identifier; on a DoD card, the EDIPI)
}

function characterBits(value: number): number[] {
  const bits = [0, 1, 2, 3].map((i) => (value >> i) & 1);
  const ones = bits.reduce((n, b) => n + b, 0);
  return [...bits, ones % 2 === 0 ? 1 : 0];
}

export function encodeFascn(f: Fascn): Uint8Array {
  const digits = (s: string, n: number) => {
    if (!new RegExp(`^[0-9]{${n}}$`).test(s)) throw new Error(`FASC-N field "${s}" is not ${n} digits`);
    return [...s].map(Number);
  };
  const chars = [
    SS,
    ...digits(f.agency, 4),
    FS,
    ...digits(f.system, 4),
    FS,
    ...digits(f.credential, 6),
    FS,
    1, // credential series
    FS,
    1, // individual credential issue
    FS,
    ...digits(f.pi, 10),
    1, // organizational category: federal government agency
    ...digits(f.agency, 4), // organizational identifier
    1, // person/organization association: employee
    ES,
  ];
  const lrc = chars.reduce((x, c) => x ^ c, 0);
  const bits = [...chars, lrc].flatMap(characterBits);
  const out = new Uint8Array(25);
  bits.forEach((b, i) => {
    if (b) out[i >> 3]! |= 0x80 >> (i & 7);
  });
  return out;
}

/** The digits of a FASC-N (agency, system, credential, PI), or null when it does not parse. */
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
