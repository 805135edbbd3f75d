import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DsseEnvelopeSchema, envelopeOf, openEnvelope, pae } from '../../../shared/dsse';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('DSSE PAE', () => {
  it('matches the specification example (dsse/protocol.md)', () => {
    expect(text(pae('http://example.com/HelloWorld', new TextEncoder().encode('hello world')))).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  it('counts bytes, not characters', () => {
    expect(text(pae('t', new TextEncoder().encode('é')))).toBe('DSSEv1 1 t 2 é');
  });

  it('an envelope signed over PAE verifies, and a changed payload type or payload does not', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const payload = new TextEncoder().encode('{"a":1}');
    const sig = sign('sha256', pae('application/x', payload), privateKey);
    const env = DsseEnvelopeSchema.parse(envelopeOf('application/x', payload, [{ keyid: 'k', sig }]));
    const opened = openEnvelope(env)!;
    expect(verify('sha256', opened.signingInput, publicKey, sig)).toBe(true);
    const retyped = openEnvelope({ ...env, payloadType: 'application/y' })!;
    expect(verify('sha256', retyped.signingInput, publicKey, sig)).toBe(false);
    const edited = openEnvelope({ ...env, payload: Buffer.from('{"a":2}').toString('base64') })!;
    expect(verify('sha256', edited.signingInput, publicKey, sig)).toBe(false);
  });

  it('refuses an envelope with no signature, extra fields or non-base64 payload', () => {
    expect(DsseEnvelopeSchema.safeParse({ payloadType: 'x', payload: 'AA==', signatures: [] }).success).toBe(false);
    expect(
      DsseEnvelopeSchema.safeParse({
        payloadType: 'x',
        payload: 'AA==',
        signatures: [{ keyid: 'k', sig: 'AA==' }],
        extra: 1,
      }).success,
    ).toBe(false);
    expect(
      DsseEnvelopeSchema.safeParse({ payloadType: 'x', payload: '%%', signatures: [{ keyid: 'k', sig: 'AA==' }] })
        .success,
    ).toBe(false);
  });
});
