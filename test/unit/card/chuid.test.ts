import { describe, expect, it } from 'vitest';
import { decodeFascn, parseChuid } from '../../../electron/main/card/chuid';
import { encodeFascn } from '../../support/virtual-piv/fascn';
import { tlv } from '../../support/virtual-piv/tlv';

const FASCN = { agency: '9999', system: '0001', credential: '000001', pi: '1000000001' };
const GUID = Buffer.from('3f2b8c1e9a4d4e7fb1c2d3e4f5a6b7c8', 'hex');

describe('CHUID identity', () => {
  it('decodes the FASC-N the virtual card encodes, and refuses a damaged one', () => {
    const bytes = encodeFascn(FASCN);
    expect(decodeFascn(bytes)).toEqual(FASCN);
    expect(decodeFascn(bytes.subarray(0, 24))).toBeNull();
    const broken = Uint8Array.from(bytes);
    broken[0] = 0; // no start sentinel
    expect(decodeFascn(broken)).toBeNull();
  });

  it('reads FASC-N and GUID with or without the tag 53 wrapper', () => {
    const fields = [tlv(0x30, encodeFascn(FASCN)), tlv(0x34, GUID), tlv(0x35, Buffer.from('20291206')), tlv(0x3e)];
    const expected = { fascn: FASCN, guid: '3f2b8c1e-9a4d-4e7f-b1c2-d3e4f5a6b7c8' };
    expect(parseChuid(tlv(0x53, ...fields, tlv(0xfe)))).toEqual(expected);
    expect(parseChuid(Buffer.concat(fields))).toEqual(expected);
  });

  it('gives null for an all-zero GUID alone, a truncated object, or no identity fields', () => {
    expect(parseChuid(tlv(0x53, tlv(0x34, new Uint8Array(16))))).toBeNull();
    expect(parseChuid(tlv(0x53, tlv(0x30, encodeFascn(FASCN))).subarray(0, 10))).toBeNull();
    expect(parseChuid(tlv(0x53, tlv(0x35, Buffer.from('20291206'))))).toBeNull();
    expect(parseChuid(new Uint8Array())).toBeNull();
  });
});
