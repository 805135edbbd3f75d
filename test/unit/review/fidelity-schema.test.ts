import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { envelopeOf, pae } from '../../../shared/dsse';
import {
  FIDELITY_PAYLOAD_TYPE,
  fidelityPayload,
  openFidelityCertificate,
  type FidelityStatement,
} from '../../../shared/review';

const T = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const h = (c: string) => c.repeat(64);

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

describe('fidelity certificate schema', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signed = (st: FidelityStatement, keyid = h('d')) => {
    const payload = fidelityPayload(st);
    return envelopeOf(FIDELITY_PAYLOAD_TYPE, payload, [
      { keyid, sig: sign('sha256', pae(FIDELITY_PAYLOAD_TYPE, payload), privateKey) },
    ]);
  };

  it('opens a well-formed certificate and gives the PAE its signature verifies over', () => {
    const opened = openFidelityCertificate(JSON.stringify(signed(sampleStatement())));
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(opened.statement.subject[0]!.annotations.treeSize).toBe(10);
    expect(
      verify('sha256', opened.signingInput, publicKey, Buffer.from(opened.envelope.signatures[0]!.sig, 'base64')),
    ).toBe(true);
  });

  it('refuses unknown fields, a wrong payload type, a subject that disagrees with its range, and a keyid that is not the reviewer', () => {
    const env = signed(sampleStatement());
    expect(openFidelityCertificate({ ...env, extra: 1 })).toMatchObject({ ok: false, code: 'REVIEW_ENVELOPE_INVALID' });
    expect(openFidelityCertificate({ ...env, payloadType: 'text/plain' })).toMatchObject({
      ok: false,
      code: 'REVIEW_ENVELOPE_INVALID',
      path: 'payloadType',
    });
    const st = sampleStatement();
    st.subject[0]!.annotations.treeSize = 11;
    expect(openFidelityCertificate(signed(st))).toMatchObject({
      ok: false,
      code: 'REVIEW_STATEMENT_INVALID',
      path: 'subject.0',
    });
    expect(openFidelityCertificate(signed(sampleStatement(), h('e')))).toMatchObject({
      ok: false,
      code: 'REVIEW_STATEMENT_INVALID',
      path: 'signatures.0.keyid',
    });
    const extra = JSON.parse(JSON.stringify(sampleStatement()));
    extra.predicate.note = 'x';
    const payload = new TextEncoder().encode(JSON.stringify(extra));
    expect(
      openFidelityCertificate(envelopeOf(FIDELITY_PAYLOAD_TYPE, payload, [{ keyid: h('d'), sig: new Uint8Array(8) }])),
    ).toMatchObject({
      ok: false,
      code: 'REVIEW_STATEMENT_INVALID',
      path: 'predicate',
    });
    expect(openFidelityCertificate('{')).toMatchObject({ ok: false, code: 'REVIEW_ENVELOPE_INVALID' });
  });
});
