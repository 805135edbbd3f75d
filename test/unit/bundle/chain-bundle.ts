import { createHash } from 'node:crypto';
import { blake3 } from '@noble/hashes/blake3.js';
import { toHex } from '../../../shared/bytes';
import { bundleMagicText, END_OF_ARCHIVE, eventRecordHeader, padding, ustarHeader } from '../../../shared/bundle';
import { ChainBuilder, nobleBlake3, type Blake3 } from '../../../shared/chain';

export const TENANT = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const enc = new TextEncoder();

/** SHA-256 and BLAKE3 (hex) of a member, by the reference implementations. */
export const reference = (data: Uint8Array) => ({
  sha256: createHash('sha256').update(data).digest('hex'),
  blake3: toHex(blake3(data)),
});

/**
 * A structurally sound, unsigned bundle whose events.bin is a real chain of `count` events of ~1 KB.
 * `mutate` changes events.bin after the manifest's digests were taken (eventAt: where each event's
 * bytes start in events.bin); `eventBytes` replaces an event's bytes before it is chained; `records`
 * rewrites the list of records (header ‖ bytes) before they are joined (delete, reorder, relabel).
 */
export function chainBundle(
  b3: Blake3,
  count: number,
  mutate?: (events: Uint8Array, eventAt: number[]) => void,
  eventBytes?: (i: number, at: number) => Uint8Array | undefined,
  records?: (
    r: { seq: number; bytes: Uint8Array; digest: Uint8Array; hash: Uint8Array }[],
  ) => { seq: number; bytes: Uint8Array; digest: Uint8Array; hash: Uint8Array }[],
): Buffer {
  const chain = new ChainBuilder(b3, { tenantId: TENANT });
  let rows: { seq: number; bytes: Uint8Array; digest: Uint8Array; hash: Uint8Array }[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const bytes =
      eventBytes?.(i, at) ??
      enc.encode(
        JSON.stringify({ arxtenant: TENANT, seq: i, type: 'com.arx.test', data: 'x'.repeat(900 + (i % 200)) }),
      );
    rows.push({ ...chain.append(bytes), bytes });
    at += 76 + bytes.length;
  }
  const last = toHex(rows[rows.length - 1]?.hash ?? new Uint8Array(32));
  if (records) rows = records(rows);
  const parts: Uint8Array[] = [];
  const eventAt: number[] = [];
  at = 0;
  for (const r of rows) {
    parts.push(eventRecordHeader(r.seq, r.bytes.length, r.digest, r.hash), r.bytes);
    eventAt.push(at + 76);
    at += 76 + r.bytes.length;
  }
  const events = new Uint8Array(Buffer.concat(parts));
  const genesis = toHex(new ChainBuilder(nobleBlake3, { tenantId: TENANT }).head.hash);
  const range = {
    tenantId: TENANT,
    tenantSlug: 't',
    from: 0,
    to: count - 1,
    count,
    prevHash: genesis,
    lastHash: last,
    review: null,
  };
  const body: [string, Uint8Array][] = [
    ['ARX-BUNDLE', enc.encode(bundleMagicText(1))],
    ['range.json', enc.encode(JSON.stringify(range))],
    ['consistency.json', enc.encode('[]')],
    ['events.bin', events],
  ];
  const members = body.map(([name, d]) => ({ name, size: d.length, ...reference(d) }));
  mutate?.(events, eventAt);
  const manifest = {
    format: 'arx-bundle',
    version: 1,
    createdAt: '2026-11-25T00:00:00.000Z',
    tenant: { id: TENANT, slug: 't' },
    range: { from: 0, to: count - 1, count },
    review: null,
    exporter: { operatorId: 'x', edipi: '1', displayName: 'x', loginCertificateSha256: '00'.repeat(32) },
    members,
  };
  const member = (name: string, d: Uint8Array) => [ustarHeader(name, d.length), d, new Uint8Array(padding(d.length))];
  return Buffer.concat([
    ...body.flatMap(([k, d]) => member(k, d)),
    ...member('manifest.json', enc.encode(JSON.stringify(manifest))),
    ...member('manifest.dsse.json', enc.encode('{}')),
    ...member('manifest-signer.der', enc.encode('x')),
    END_OF_ARCHIVE,
  ]);
}
