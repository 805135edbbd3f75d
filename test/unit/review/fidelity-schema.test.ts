import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { envelopeOf, pae } from '../../../shared/dsse';
import { h, sampleStatement } from './sample-statement';
import {
  FIDELITY_PAYLOAD_TYPE,
  fidelityPayload,
  openFidelityCertificate,
  type FidelityStatement,
} from '../../../shared/review';

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
