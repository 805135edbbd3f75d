import type { FidelityStatement } from '../../../shared/review';

const T = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
export const h = (c: string) => c.repeat(64);

/** A well-formed fidelity statement (tenant alpha, seq 0…9) for tests to edit. */
export function sampleStatement(): FidelityStatement {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [
      {
        name: `arx-chain:${T}:0-9`,
        digest: { sha256: h('a'), blake3: h('b') },
        annotations: { tenantId: T, fromSeq: 0, toSeq: 9, treeSize: 10, previousHead: h('c') },
      },
    ],
    predicateType: 'https://arx.invalid/fidelity-certificate/v1',
    predicate: {
      reviewId: '11111111-2222-4333-8444-555555555555',
      reviewedAt: '2026-11-25T21:00:00.000000Z',
      reviewer: {
        operatorId: '11111111-2222-4333-8444-555555555556',
        edipi: '1000000001',
        displayName: 'ADAMS.ALICE.ANN.1000000001',
        certificateSha256: h('d'),
        certificate: 'AAAA',
        roles: ['isso'],
      },
      verification: {
        tenant: { id: T, slug: 'alpha', name: 'Alpha' },
        verdict: 'intact',
        range: { kind: 'seq', fromSeq: 0, toSeq: 9, fromTime: null, toTime: null },
        counts: {
          events: 10,
          bytes: 1000,
          errors: 0,
          warnings: 0,
          omitted: 0,
          checkpointsTotal: 0,
          checkpointsVerified: 0,
          policyVersionsChecked: 0,
        },
        firstSeq: 0,
        lastSeq: 9,
        head: { size: 10, hashBlake3: h('b') },
        checkpoint: null,
        tail: null,
        problems: [],
        documents: 'checked',
        startedAt: '2026-11-25T20:59:00.000Z',
        finishedAt: '2026-11-25T20:59:01.000Z',
        durationMs: 1000,
        engine: { format: 'arx-chain-v1', blake3: 'hash-wasm', workers: 2 },
      },
      decisions: null,
      policyVersions: [],
      verdict: 'intact',
    },
  };
}
