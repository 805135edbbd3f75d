import { describe, expect, it } from 'vitest';
import { isCertainlyGatewayEvent, splitEventSignature } from '../../../shared/events';

/** The two byte-level readings of an event that writer authentication relies on (docs/chain-format.md §8). */
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const head =
  '{"specversion":"1.0","id":"e-1","source":"/arx/gateway/gw","type":"com.arx.policy.decided","time":"2026-12-07T10:00:00.000000Z"';
const tail = ',"datacontenttype":"application/json","sequence":"7","arxtenant":"t","arxwriter":"gateway/gw"';

describe('isCertainlyGatewayEvent', () => {
  it('accepts a gateway event as the writer serializes it, nested "type" keys included', () => {
    const entities = '"entities":[{"uid":{"type":"User","id":"a"},"attrs":{},"parents":[]}]';
    expect(isCertainlyGatewayEvent(enc(`${head}${tail},"data":{"decision":"allow"}}`))).toBe(true);
    expect(isCertainlyGatewayEvent(enc(`${head}${tail},"data":{${entities}}}`))).toBe(true);
  });

  it('refuses anything a JSON reader could read as another type: the caller then parses it', () => {
    const cases = [
      // a second top-level type (JSON.parse keeps the last one)
      `${head}${tail},"data":{},"type":"Foo"}`,
      `${head}${tail},"data":{},"type" : "x"}`,
      // another ARX type anywhere, or an escape that could spell one
      `${head}${tail},"data":{"note":"com.arx.role.granted"}}`,
      `${head}${tail},"data":{"note":"\\u0063om"}}`,
      // a console type, or keys in another order
      head.replace('com.arx.policy.decided', 'com.arx.policy.published') + `${tail},"data":{}}`,
      `{"type":"com.arx.policy.decided","specversion":"1.0","id":"e","source":"/arx/gateway/gw","data":{}}`,
    ];
    for (const c of cases) expect({ c, ok: isCertainlyGatewayEvent(enc(c)) }).toEqual({ c, ok: false });
  });
});

describe('splitEventSignature', () => {
  it('takes the final ,"arxsig":"…" off and closes the object', () => {
    const pre = '{"type":"com.arx.policy.published","data":{"a":"b/c"}}';
    const stored = `${pre.slice(0, -1)},"arxsig":"MEUCIQ+/=="}`;
    const s = splitEventSignature(enc(stored))!;
    expect(dec(s.preimage)).toBe(pre);
    expect(s.signature).toBe('MEUCIQ+/==');
  });

  it('finds no signature unless it is the last attribute', () => {
    expect(splitEventSignature(enc('{"arxsig":"QUJD","data":{}}'))).toBeNull();
    expect(splitEventSignature(enc('{"data":{},"arxsig":""}'))).toBeNull();
    expect(splitEventSignature(enc('{"data":{},"arxsig":"QUJD"} '))).toBeNull();
  });
});
