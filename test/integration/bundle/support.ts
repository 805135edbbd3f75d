import { createHash } from 'node:crypto';
import { blake3 } from '@noble/hashes/blake3.js';
import { toHex, utf8 } from '../../../shared/bytes';
import { END_OF_ARCHIVE, MANIFEST_PAYLOAD_TYPE, TarReader, TRAILER, padding, ustarHeader } from '../../../shared/bundle';
import { envelopeOf, pae } from '../../../shared/dsse';
import { CardService } from '../../../electron/main/card/card-service';

export interface Member {
  name: string;
  data: Uint8Array;
  /** Offset of the member's data in the tar. */
  offset: number;
}

/** Every member of a (valid) bundle, with where its data starts in the file. */
export function readMembers(bytes: Uint8Array): Member[] {
  const out: Member[] = [];
  let cur: { name: string; parts: Uint8Array[]; offset: number } | null = null;
  const reader: TarReader = new TarReader({
    begin: (name) => (cur = { name, parts: [], offset: reader.bytesRead }),
    data: (c) => cur!.parts.push(c.slice()),
    end: () => {
      const c = cur!;
      out.push({ name: c.name, data: Buffer.concat(c.parts), offset: c.offset });
    },
  });
  reader.push(bytes);
  reader.end();
  return out;
}

/** A canonical tar of `members`, in the given order. */
export function writeTar(members: { name: string; data: Uint8Array }[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    parts.push(ustarHeader(m.name, m.data.length), m.data, new Uint8Array(padding(m.data.length)));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

export type DigestSigner = (digest: Uint8Array) => Promise<{ signature: Uint8Array; certificateDer: Uint8Array }>;

/**
 * What a dishonest exporter with a card can do: change members, then write fresh checksum lists
 * and a freshly signed manifest, so that only the check that looks at the changed content fails.
 */
export async function resign(bytes: Uint8Array, mutate: (members: { name: string; data: Uint8Array }[]) => { name: string; data: Uint8Array }[], sign: DigestSigner): Promise<Buffer> {
  const all = readMembers(bytes);
  const oldManifest = JSON.parse(Buffer.from(all.find((m) => m.name === 'manifest.json')!.data).toString('utf8')) as Record<string, unknown>;
  const body = mutate(all.filter((m) => !(TRAILER as readonly string[]).includes(m.name) && m.name !== 'SHA256SUMS' && m.name !== 'B3SUMS').map((m) => ({ name: m.name, data: m.data })));
  const digests = body.map((m) => ({ name: m.name, size: m.data.length, sha256: createHash('sha256').update(m.data).digest('hex'), blake3: toHex(blake3(m.data)) }));
  const sums = [
    { name: 'SHA256SUMS', data: utf8(digests.map((d) => `${d.sha256}  ${d.name}\n`).join('')) },
    { name: 'B3SUMS', data: utf8(digests.map((d) => `${d.blake3}  ${d.name}\n`).join('')) },
  ];
  const members = [...body, ...sums];
  const manifest = { ...oldManifest, members: members.map((m) => ({ name: m.name, size: m.data.length, sha256: createHash('sha256').update(m.data).digest('hex'), blake3: toHex(blake3(m.data)) })) };
  const payload = utf8(JSON.stringify(manifest));
  const signed = await sign(new Uint8Array(createHash('sha256').update(pae(MANIFEST_PAYLOAD_TYPE, payload)).digest()));
  const keyid = createHash('sha256').update(signed.certificateDer).digest('hex');
  return writeTar([
    ...members,
    { name: 'manifest.json', data: payload },
    { name: 'manifest.dsse.json', data: utf8(JSON.stringify(envelopeOf(MANIFEST_PAYLOAD_TYPE, payload, [{ keyid, sig: signed.signature }]))) },
    { name: 'manifest-signer.der', data: signed.certificateDer },
  ]);
}

/**
 * Signs with SoftHSM2 test cards' Digital Signature keys directly (no certificate validation: the
 * verifier must catch a bad signer). One CardService per process: PKCS#11 is initialised once.
 */
export async function openCards(modulePath: string) {
  const service = await CardService.open({ modulePath });
  return {
    async signer(label: string, pin: string): Promise<{ sign: DigestSigner; close: () => Promise<void> }> {
      const slot = (await service.listSlots()).find((s) => s.token?.label === label);
      if (!slot) throw new Error(`no token ${label}`);
      const session = await service.login(slot.slot, utf8(pin), {});
      return {
        async sign(digest) {
          const r = await session.signDigest('test bundle manifest', digest, utf8(pin), { rsa: 'pkcs1' });
          return { signature: r.der ?? r.raw, certificateDer: new Uint8Array(r.certificate.der) };
        },
        close: () => session.logout().catch(() => {}),
      };
    },
    close: () => service.close(),
  };
}

export function flipByte(bytes: Uint8Array, at: number): Buffer {
  const b = Buffer.from(bytes);
  b[at] = b[at]! ^ 0x01;
  return b;
}
