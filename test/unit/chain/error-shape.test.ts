import { describe, expect, it } from 'vitest';
import { ArxErrorSchema, type ArxError } from '../../../shared/contract';
import { verifyChain } from '../../../shared/chain';
import { verifyInclusion } from '../../../shared/merkle';
import { parseNote } from '../../../shared/checkpoint';
import { utf8 } from '../../../shared/bytes';
import { buildRows, TENANT_A } from './fixtures';

// Issues and errors of the chain, Merkle and checkpoint code cross the boundary unchanged: they
// must be the contract's error shape, which its schema checks strictly (no extra fields).
describe('error values have the contract shape', () => {
  it('for real ones: typed as ArxError, and accepted by its strict schema', () => {
    const rows = buildRows(TENANT_A, 5);
    rows[2] = { ...rows[2]!, bytes: utf8('x') };
    const chain = verifyChain(
      rows.filter((r) => r.seq !== 3),
      { start: { tenantId: TENANT_A }, anchors: [] },
    );
    const merkle = verifyInclusion(3, 2, new Uint8Array(32), [], new Uint8Array(32));
    const note = parseNote('text\n\n— name AAAA\n');
    // Typed as the contract's ArxError: tsc -b fails if the shapes drift apart.
    const errors: (ArxError | undefined)[] = [
      ...chain.errors,
      ...chain.warnings,
      merkle.ok ? undefined : merkle.error,
      note.ok ? undefined : note.error,
    ];
    expect(errors.length).toBeGreaterThanOrEqual(4);
    for (const e of errors) expect(ArxErrorSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
  });
});
