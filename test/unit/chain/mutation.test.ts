import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../../shared/chain';
import { buildRows, clone, TENANT_A } from './fixtures';

// xorshift32: failures reproduce from the seed.
const rng = (seed: number) => () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
};

describe('ChainVerifier: any single flipped bit is found, at its seq', () => {
  const N = 60;
  const rows = buildRows(TENANT_A, N);

  it('in the bytes, the digest or the hash of any row, 600 random cases', () => {
    const rand = rng(20261125);
    const fields = ['bytes', 'digest', 'hash'] as const;
    for (let i = 0; i < 600; i++) {
      const tampered = clone(rows);
      const seq = Math.floor(rand() * N);
      const field = fields[Math.floor(rand() * 3)]!;
      const value = tampered[seq]![field].slice();
      const at = Math.floor(rand() * value.length);
      value[at]! ^= 1 << Math.floor(rand() * 8);
      tampered[seq] = { ...tampered[seq]!, [field]: value };
      const r = verifyChain(tampered, { start: { tenantId: TENANT_A } });
      const where = `${field}[${at}] of seq ${seq}`;
      expect(r.ok, where).toBe(false);
      expect(r.errors[0]!.details.seq, where).toBe(seq);
      expect(r.errors[0]!.code, where).toBe(field === 'hash' ? 'CHAIN_LINK_MISMATCH' : 'EVENT_DIGEST_MISMATCH');
      expect(r.errors, where).toHaveLength(1);
    }
  });
});
