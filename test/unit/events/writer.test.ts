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
    for (const c of cases) expect({ c, ok: isCertainlyGatewayEvent(Buffer.from(c)) }).toEqual({ c, ok: false });
  });

  // A Buffer (the verifier's rows) is searched with Node's native indexOf, any other Uint8Array with
  // the jump search of asBuffer: the two must agree on every input, mutated and cut anywhere, the
  // 260-byte window included.
  it('answers the same for a Buffer as for the same bytes in a plain Uint8Array', () => {
    let seed = 7;
    const rnd = (k: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % k;
    const alphabet = [0x22, 0x5c, 0x2e, 0x2c, 0x3a, 0x7b, 0x7d, 0x5b, 0x61, 0x7a, 0x41, 0x30, 0xe9, 0x00];
    const inject = ['com.arx.', '"type"', '"type":"x"', '\\', '{', '}'];
    const nested = '"entities":[{"uid":{"type":"User","id":"a"},"attrs":{},"parents":[]}]';
    const bases = [
      `${head}${tail},"data":{"decision":"allow"}}`,
      `${head}${tail},"data":{${nested}}}`,
      `${head}${tail},"data":{},"type":"Foo"}`,
      head.replace('"e-1"', `"${'i'.repeat(128)}"`) + `${tail},"data":{}}`,
      head.replace('"e-1"', `"${'i'.repeat(129)}"`) + `${tail},"data":{}}`,
      head.replace('"e-1"', '""') + `${tail},"data":{}}`,
      // sources that put the prefix's end on either side of byte 260
      ...Array.from({ length: 16 }, (_, k) => head.replace('/arx/gateway/gw', `/${'s'.repeat(180 + k)}`) + tail),
    ];
    let compared = 0;
    let accepted = 0;
    for (const base of bases) {
      const b0 = enc(base);
      const variants: Uint8Array[] = [b0];
      for (let cut = 1; cut < b0.length; cut += 2) variants.push(b0.slice(0, cut));
      for (let k = 0; k < 1500; k++) {
        const b = b0.slice();
        for (let m = 1 + rnd(2); m > 0; m--) b[rnd(b.length)] = alphabet[rnd(alphabet.length)]!;
        variants.push(b);
        const at = rnd(b0.length);
        const x = inject[rnd(inject.length)]!;
        variants.push(enc(`${base.slice(0, at)}${x}${base.slice(at)}`));
      }
      for (const v of variants) {
        const plain = isCertainlyGatewayEvent(new Uint8Array(v));
        const text = dec(v);
        expect({ text, ok: isCertainlyGatewayEvent(Buffer.from(v)) }).toEqual({ text, ok: plain });
        compared++;
        if (plain) accepted++;
      }
    }
    expect(compared).toBeGreaterThan(60_000);
    expect(accepted).toBeGreaterThan(1000);
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
