/**
 * The PIV card application (NIST SP 800-73-4 Part 2) as far as OpenSC's PIV driver uses it:
 * SELECT, GET DATA, VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, GENERAL AUTHENTICATE,
 * command chaining and GET RESPONSE. Pure APDU in, APDU out: the transport is vpcd-link.ts.
 */
import { constants, createECDH, privateDecrypt } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { concat, parseTlvs, tlv } from './tlv';
import type { CardKey, VirtualCardData } from './card-data';

export const PIV_AID = Uint8Array.of(0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00);
const PIN_REF = 0x80;
const PUK_REF = 0x81;
const MAX_TRIES = 3;
/** SP 800-78-4 Table 6-2 algorithm identifiers. */
const ALG = { rsa2048: 0x07, p256: 0x11, p384: 0x14 } as const;

const sw = (w: number) => Uint8Array.of(w >> 8, w & 0xff);
const SW = {
  OK: 0x9000,
  SECURITY: 0x6982,
  BLOCKED: 0x6983,
  WRONG_DATA: 0x6a80,
  NOT_FOUND: 0x6a82,
  WRONG_P1P2: 0x6a86,
  REF_NOT_FOUND: 0x6a88,
  INS: 0x6d00,
  CLA: 0x6e00,
  WRONG_LENGTH: 0x6700,
  CONDITIONS: 0x6985,
} as const;

class Status extends Error {
  constructor(readonly word: number) {
    super(`SW ${word.toString(16)}`);
  }
}

/** Pads a PIN or PUK to the 8 bytes of the reference data format (SP 800-73-4 Part 2 §2.4.3). */
export function padPin(pin: string): Uint8Array {
  const out = new Uint8Array(8).fill(0xff);
  out.set(Buffer.from(pin, 'ascii').subarray(0, 8));
  return out;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

export class PivCard {
  private selected = false;
  private verified = false;
  /** A 9C operation consumes the verification before it ("PIN Always", SP 800-73-4 Part 1 §3.2.2). */
  private signatureArmed = false;
  private pin: Uint8Array;
  private puk: Uint8Array;
  private pinTries = MAX_TRIES;
  private pukTries = MAX_TRIES;
  private chained: Uint8Array[] = [];
  private pending: Uint8Array = new Uint8Array();
  /** APDUs answered since the counter was last reset (GET RESPONSE and chained parts included). */
  apduCount = 0;

  constructor(readonly data: VirtualCardData) {
    this.pin = padPin(data.pin);
    this.puk = padPin(data.puk);
  }

  get pinTriesLeft(): number {
    return this.pinTries;
  }

  /** Power off, reset: the security status and the selection are lost (ISO 7816-4 §5.1.2). */
  reset(): void {
    this.selected = false;
    this.verified = false;
    this.signatureArmed = false;
    this.chained = [];
    this.pending = new Uint8Array();
  }

  transmit(apdu: Uint8Array): Uint8Array {
    this.apduCount++;
    try {
      return this.dispatch(apdu);
    } catch (err) {
      if (err instanceof Status) return sw(err.word);
      return sw(SW.WRONG_DATA);
    }
  }

  private dispatch(apdu: Uint8Array): Uint8Array {
    if (apdu.length < 4) throw new Status(SW.WRONG_LENGTH);
    const [cla, ins, p1, p2] = apdu as unknown as [number, number, number, number];
    const { data, le } = parseBody(apdu);
    if ((cla & ~0x10) !== 0x00) throw new Status(SW.CLA);
    if (ins === 0xc0) return this.respond(new Uint8Array(), le, true);
    this.pending = new Uint8Array();
    if (cla & 0x10) {
      this.chained.push(data);
      return sw(SW.OK);
    }
    const whole = this.chained.length ? concat(...this.chained, data) : data;
    this.chained = [];
    switch (ins) {
      case 0xa4:
        return this.respond(this.select(p1, whole), le);
      case 0xcb:
        return this.respond(this.getData(p1, p2, whole), le);
      case 0x20:
        return this.verify(p1, p2, whole);
      case 0x24:
        return this.changeReference(p2, whole);
      case 0x2c:
        return this.resetRetryCounter(p2, whole);
      case 0x87:
        return this.respond(this.generalAuthenticate(p1, p2, whole), le);
      default:
        throw new Status(SW.INS);
    }
  }

  /** Answers `body` in pieces of at most Le (256 for a short Le of 0), with 61xx for the rest. */
  private respond(body: Uint8Array, le: number, continuing = false): Uint8Array {
    const all = continuing ? this.pending : body;
    const max = le > 0 ? le : 256;
    const part = all.subarray(0, max);
    const rest = all.subarray(part.length);
    this.pending = rest;
    if (rest.length === 0) return concat(part, sw(SW.OK));
    return concat(part, Uint8Array.of(0x61, rest.length >= 256 ? 0 : rest.length));
  }

  private select(p1: number, aid: Uint8Array): Uint8Array {
    if (p1 !== 0x04) throw new Status(SW.WRONG_P1P2);
    // A right-truncated AID selects (SP 800-73-4 Part 2 §3.1.1).
    if (aid.length < 5 || !same(aid, PIV_AID.subarray(0, aid.length))) {
      this.selected = false;
      this.verified = false;
      throw new Status(SW.NOT_FOUND);
    }
    this.selected = true;
    // Application property template (Part 2 §3.1.1): PIX, authority, label, algorithms.
    return tlv(
      0x61,
      tlv(0x4f, PIV_AID.subarray(5)),
      tlv(0x79, tlv(0x4f, PIV_AID.subarray(0, 9))),
      tlv(0x50, Buffer.from('ARX virtual PIV', 'ascii')),
      tlv(0xac, tlv(0x80, Uint8Array.of(ALG.rsa2048)), tlv(0x80, Uint8Array.of(ALG.p256)), tlv(0x06, Uint8Array.of(0))),
    );
  }

  private getData(p1: number, p2: number, req: Uint8Array): Uint8Array {
    if (!this.selected) throw new Status(SW.CONDITIONS);
    if (p1 !== 0x3f || p2 !== 0xff) throw new Status(SW.WRONG_P1P2);
    const tag = parseTlvs(req).find((t) => t.tag === 0x5c);
    if (!tag) throw new Status(SW.WRONG_DATA);
    const object = this.data.objects.get(Buffer.from(tag.value).toString('hex'));
    if (!object) throw new Status(SW.NOT_FOUND);
    return object;
  }

  private verify(p1: number, p2: number, pin: Uint8Array): Uint8Array {
    if (p2 !== PIN_REF) throw new Status(SW.REF_NOT_FOUND);
    if (p1 === 0xff) {
      this.verified = false; // reset the security status (Part 2 §3.2.1)
      return sw(SW.OK);
    }
    if (pin.length === 0) {
      // Status query: 9000 when verified, else the tries left.
      if (this.pinTries === 0) return sw(SW.BLOCKED);
      return sw(this.verified ? SW.OK : 0x63c0 | this.pinTries);
    }
    return this.checkReference(pin, 'pin');
  }

  private checkReference(value: Uint8Array, which: 'pin' | 'puk'): Uint8Array {
    const tries = which === 'pin' ? this.pinTries : this.pukTries;
    if (tries === 0) throw new Status(SW.BLOCKED);
    if (value.length !== 8) throw new Status(SW.WRONG_DATA);
    if (!same(value, which === 'pin' ? this.pin : this.puk)) {
      const left = tries - 1;
      if (which === 'pin') {
        this.pinTries = left;
        this.verified = false;
        this.signatureArmed = false;
      } else this.pukTries = left;
      return sw(0x63c0 | left);
    }
    if (which === 'pin') {
      this.pinTries = MAX_TRIES;
      this.verified = true;
      this.signatureArmed = true;
    } else this.pukTries = MAX_TRIES;
    return sw(SW.OK);
  }

  private changeReference(p2: number, data: Uint8Array): Uint8Array {
    if (p2 !== PIN_REF && p2 !== PUK_REF) throw new Status(SW.REF_NOT_FOUND);
    if (data.length !== 16) throw new Status(SW.WRONG_DATA);
    const which = p2 === PIN_REF ? 'pin' : 'puk';
    const result = this.checkReference(data.subarray(0, 8), which);
    if (result[0] !== 0x90) return result;
    if (which === 'pin') this.pin = data.slice(8);
    else this.puk = data.slice(8);
    return result;
  }

  private resetRetryCounter(p2: number, data: Uint8Array): Uint8Array {
    if (p2 !== PIN_REF) throw new Status(SW.REF_NOT_FOUND);
    if (data.length !== 16) throw new Status(SW.WRONG_DATA);
    const result = this.checkReference(data.subarray(0, 8), 'puk');
    if (result[0] !== 0x90) return result;
    this.pin = data.slice(8);
    this.pinTries = MAX_TRIES;
    this.verified = false;
    return result;
  }

  private generalAuthenticate(alg: number, keyRef: number, data: Uint8Array): Uint8Array {
    const key = this.data.keys.get(keyRef);
    if (!key) throw new Status(SW.REF_NOT_FOUND);
    if (alg !== algorithmOf(key)) throw new Status(SW.WRONG_P1P2);
    if (keyRef !== 0x9e && !this.verified) throw new Status(SW.SECURITY);
    if (keyRef === 0x9c) {
      if (!this.signatureArmed) throw new Status(SW.SECURITY);
      this.signatureArmed = false;
    }
    const template = parseTlvs(data).find((t) => t.tag === 0x7c);
    if (!template) throw new Status(SW.WRONG_DATA);
    const fields = parseTlvs(template.value);
    const challenge = fields.find((t) => t.tag === 0x81)?.value;
    const peer = fields.find((t) => t.tag === 0x85)?.value;
    if (challenge) return tlv(0x7c, tlv(0x82, privateOperation(key, challenge)));
    if (peer && key.kind === 'ec') return tlv(0x7c, tlv(0x82, ecdh(key, peer)));
    throw new Status(SW.WRONG_DATA);
  }
}

function algorithmOf(key: CardKey): number {
  if (key.kind === 'rsa') return ALG.rsa2048;
  return key.curve === 'P-256' ? ALG.p256 : ALG.p384;
}

/** RSA: the raw private-key operation on a padded block. EC: ECDSA over the given hash, DER. */
function privateOperation(key: CardKey, input: Uint8Array): Uint8Array {
  if (key.kind === 'rsa') {
    if (input.length !== 256) throw new Status(SW.WRONG_DATA);
    return new Uint8Array(privateDecrypt({ key: key.privateKey, padding: constants.RSA_NO_PADDING }, input));
  }
  const curve = key.curve === 'P-256' ? p256 : p384;
  return curve.sign(input, key.scalar, { prehash: false, lowS: false, format: 'der' });
}

function ecdh(key: Extract<CardKey, { kind: 'ec' }>, point: Uint8Array): Uint8Array {
  const ecdhKey = createECDH(key.curve === 'P-256' ? 'prime256v1' : 'secp384r1');
  ecdhKey.setPrivateKey(key.scalar);
  try {
    return new Uint8Array(ecdhKey.computeSecret(point));
  } catch {
    throw new Status(SW.WRONG_DATA);
  }
}

/** ISO 7816-4 §5.1: the command data and Le of a short or extended APDU (Le 0 = the maximum). */
function parseBody(apdu: Uint8Array): { data: Uint8Array; le: number } {
  const body = apdu.subarray(4);
  if (body.length === 0) return { data: body, le: -1 };
  if (body.length === 1) return { data: new Uint8Array(), le: body[0]! };
  if (body[0] === 0 && body.length >= 3) {
    const n = (body[1]! << 8) | body[2]!;
    if (body.length === 3) return { data: new Uint8Array(), le: n === 0 ? 65536 : n };
    const data = body.subarray(3, 3 + n);
    const rest = body.subarray(3 + n);
    const le = rest.length === 2 ? (rest[0]! << 8) | rest[1]! || 65536 : -1;
    return { data, le };
  }
  const n = body[0]!;
  const data = body.subarray(1, 1 + n);
  const rest = body.subarray(1 + n);
  return { data, le: rest.length === 1 ? rest[0]! : -1 };
}
