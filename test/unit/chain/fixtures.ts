import { ChainBuilder, nobleBlake3, type ChainRow } from '../../../shared/chain';
import { utf8 } from '../../../shared/bytes';

export const TENANT_A = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
export const TENANT_B = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';

/** A CloudEvents v1.0 event as the gateway would serialize it (the exact bytes are what count). */
export function eventBytes(tenantId: string, seq: number, extra = ''): Uint8Array {
  const time = new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + seq * 1000).toISOString().replace('Z', '000Z');
  return utf8(
    `{"specversion":"1.0","id":"evt-${seq}${extra}","source":"arx.gateway/${tenantId}","type":"com.arx.gateway.decided",` +
      `"time":"${time}","sequence":"${seq}","datacontenttype":"application/json","data":{"route":"model-${seq % 7}","allowed":${seq % 3 !== 0}}}`,
  );
}

/** A valid chain of n rows for a tenant (seq 0..n-1). */
export function buildRows(
  tenantId: string,
  n: number,
  makeBytes = (seq: number) => eventBytes(tenantId, seq),
): ChainRow[] {
  const b = new ChainBuilder(nobleBlake3, { tenantId });
  const rows: ChainRow[] = [];
  for (let i = 0; i < n; i++) {
    const bytes = makeBytes(i);
    const e = b.append(bytes);
    rows.push({ seq: e.seq, bytes, digest: e.digest, hash: e.hash });
  }
  return rows;
}

export const clone = (rows: readonly ChainRow[]): ChainRow[] => rows.map((r) => ({ ...r }));
