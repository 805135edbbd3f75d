/**
 * FASC-N encoding (TIG SCEPACS v2.3 §6.6): 40 characters of 4 data bits (least significant first)
 * and an odd parity bit, 200 bits in 25 bytes: SS agency FS system FS credential FS CS FS ICI FS
 * PI OC OI POA ES LRC.
 */
import type { Fascn } from '../../../electron/main/card/chuid';

const SS = 0xb;
const FS = 0xd;
const ES = 0xf;

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

// Decoding is the console's own (electron/main/card/chuid.ts): the tests check it against this encoder.
export { decodeFascn } from '../../../electron/main/card/chuid';
