/**
 * What a virtual PIV card holds: its key pairs (made here, in software: this is a test card), the
 * certificates the test PKI issues for them, the CHUID, discovery and key history objects, the
 * PIN and PUK. Objects are stored as GET DATA returns them (tag 53 wrappers, SP 800-73-4 Part 1).
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import {
  commonName,
  issueCardCertificate,
  type TestCardCase,
  type TestCertUsage,
  type TestPerson,
  type TestPki,
} from '../../../electron/main/pki/test-pki';
import { concat, tlv } from './tlv';
import { encodeFascn } from './fascn';

export type CardKey =
  | { kind: 'ec'; curve: 'P-256' | 'P-384'; scalar: Uint8Array; privateKey: KeyObject }
  | { kind: 'rsa'; privateKey: KeyObject };

export type VirtualKeyType = 'ec' | 'ec-p384' | 'rsa';

export interface VirtualCardSpec {
  person: TestPerson;
  keyType: VirtualKeyType;
  case?: TestCardCase;
  pin?: string;
  puk?: string;
}

export interface VirtualCardData {
  person: TestPerson;
  displayName: string;
  pin: string;
  puk: string;
  /** The CHUID GUID (hex): OpenSC's token serial number is taken from it. */
  guid: string;
  /** GET DATA object id (hex, e.g. "5fc102") → the object as returned (53 wrapper). */
  objects: Map<string, Uint8Array>;
  /** PIV key reference (0x9a, 0x9c, 0x9d, 0x9e) → key. */
  keys: Map<number, CardKey>;
  /** DER certificates by key reference, as the test PKI issued them. */
  certificates: Map<number, { usage: TestCertUsage; der: Uint8Array }>;
}

/** SP 800-73-4 Part 1 Table 3: the certificate containers per key reference. */
export const PIV_CERT_OBJECTS: readonly { ref: number; tag: string; usage: TestCertUsage }[] = [
  { ref: 0x9a, tag: '5fc105', usage: 'piv-auth' },
  { ref: 0x9c, tag: '5fc10a', usage: 'signature' },
  { ref: 0x9d, tag: '5fc10b', usage: 'key-management' },
  { ref: 0x9e, tag: '5fc101', usage: 'card-auth' },
];

function makeKey(type: VirtualKeyType): { key: CardKey; spki: Uint8Array<ArrayBuffer> } {
  if (type === 'rsa') {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      key: { kind: 'rsa', privateKey },
      spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    };
  }
  const curve = type === 'ec' ? 'P-256' : 'P-384';
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const d = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  return {
    key: { kind: 'ec', curve, scalar: new Uint8Array(d), privateKey },
    spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
  };
}

/** Issues the four PIV certificates for fresh keys and lays out the card's data objects. */
export async function makeVirtualCardData(
  pki: TestPki,
  spec: VirtualCardSpec,
  now = new Date(),
): Promise<VirtualCardData> {
  const keys = new Map<number, CardKey>();
  const certificates = new Map<number, { usage: TestCertUsage; der: Uint8Array }>();
  const objects = new Map<string, Uint8Array>();
  for (const slot of PIV_CERT_OBJECTS) {
    const { key, spki } = makeKey(spec.keyType);
    const cert = await issueCardCertificate(pki, {
      person: spec.person,
      usage: slot.usage,
      case: spec.case ?? 'good',
      publicKey: spki,
      keyType: spec.keyType === 'rsa' ? 'rsa' : 'ec',
      now,
    });
    const der = new Uint8Array(cert.rawData);
    keys.set(slot.ref, key);
    certificates.set(slot.ref, { usage: slot.usage, der });
    // Part 1 Table 10: certificate, CertInfo (0: not compressed), error detection code.
    objects.set(slot.tag, tlv(0x53, tlv(0x70, der), tlv(0x71, Uint8Array.of(0)), tlv(0xfe)));
  }
  const guid = randomBytes(16);
  guid[6] = (guid[6]! & 0x0f) | 0x40; // RFC 4122 version 4
  guid[8] = (guid[8]! & 0x3f) | 0x80;
  const expiry = new Date(now.getTime() + 3 * 365 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  // Part 1 Table 9 (CHUID): FASC-N, GUID, expiration date, issuer signature (empty here), EDC.
  const fascn = encodeFascn({
    agency: '9999',
    system: '0001',
    credential: spec.person.edipi.slice(-6),
    pi: spec.person.edipi,
  });
  objects.set(
    '5fc102',
    tlv(0x53, tlv(0x30, fascn), tlv(0x34, guid), tlv(0x35, Buffer.from(expiry, 'ascii')), tlv(0x3e), tlv(0xfe)),
  );
  // Part 1 §3.3.2 discovery object: the PIV AID and the PIN usage policy (PIV PIN only).
  const aid = Uint8Array.of(0xa0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00);
  objects.set('7e', tlv(0x7e, tlv(0x4f, aid), tlv(0x5f2f, Uint8Array.of(0x40, 0x00))));
  // Part 1 Table 19 key history: no retired keys.
  objects.set('5fc10c', tlv(0x53, concat(tlv(0xc1, Uint8Array.of(0)), tlv(0xc2, Uint8Array.of(0)), tlv(0xfe))));
  return {
    person: spec.person,
    displayName: commonName(spec.person),
    pin: spec.pin ?? '123456',
    puk: spec.puk ?? '12345678',
    guid: guid.toString('hex'),
    objects,
    keys,
    certificates,
  };
}
