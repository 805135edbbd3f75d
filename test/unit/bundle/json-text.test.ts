import { describe, expect, it } from 'vitest';
import { isJsonText } from '../../../shared/bundle';

/**
 * isJsonText must say exactly what JSON.parse of the UTF-8 decoded bytes says (the verifier's
 * EVENTS_MALFORMED for decision events depends on it): hand-picked edge cases of RFC 8259's
 * grammar, then many random mutations of a real decision event and of small JSON texts.
 */
const enc = new TextEncoder();
const parses = (b: Uint8Array): boolean => {
  try {
    JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8'));
    return true;
  } catch {
    return false;
  }
};
let compared = 0;
const agree = (b: Uint8Array) => {
  compared++;
  const want = parses(b);
  if (isJsonText(b) !== want)
    expect.fail(
      `isJsonText says ${!want} where JSON.parse says ${want}: ${JSON.stringify(Buffer.from(b).toString('latin1').slice(0, 300))}`,
    );
};

const DECISION = JSON.stringify({
  specversion: '1.0',
  id: 'e-1',
  type: 'com.arx.policy.decided',
  time: '2026-11-01T01:35:02.577419Z',
  data: {
    decision: 'permit',
    determiningPolicies: ['arx.permit.within-clearance'],
    errors: [],
    principal: { type: 'Arx::User', id: 'hana.cyber' },
    context: {
      clearance: 3,
      cost: -1.5e-3,
      ok: true,
      none: null,
      nested: [[{}], [], [1, 2.25, 0]],
      text: 'é "quoted" \\ \u0001 \u2028 tab\t',
    },
  },
});

describe('isJsonText', () => {
  it('agrees with JSON.parse on hand-picked edge cases', () => {
    const cases = [
      '',
      ' ',
      '{}',
      '[]',
      '{ }',
      '[ ]',
      ' {} ',
      '\t\n\r{}\r\n',
      '{} {}',
      '{},',
      '[1,]',
      '[,1]',
      '{"a":1,}',
      '{"a" : 1 , "b":[ ]}',
      '{"a"}',
      '{"a":}',
      '{:1}',
      '{1:1}',
      "{'a':1}",
      '"x"',
      '"',
      '"\\"',
      '"\\\\"',
      '"\\/"',
      '"\\u00e9"',
      '"\\u00E9"',
      '"\\u00g9"',
      '"\\u00e"',
      '"\\x"',
      '"a\tb"',
      '"a\nb"',
      '"\u007f"',
      '"\u2028"',
      '0',
      '-0',
      '01',
      '-01',
      '1.',
      '.5',
      '1.5',
      '1e5',
      '1E+5',
      '1e-5',
      '1e',
      '1e+',
      '-',
      '--1',
      '+1',
      '1.5e3.2',
      '0x10',
      'NaN',
      'Infinity',
      '-Infinity',
      '123456789012345678901234567890',
      'true',
      'false',
      'null',
      'tru',
      'True',
      'nul',
      'nulll',
      'true false',
      '[true,false,null]',
      '[[[[[]]]]]',
      '[[[[[]]]]',
      '[[[[]]]]]',
      '{"a":{"b":{"c":[{"d":[]}]}}}',
      '{"a":[}',
      '[{]}',
      '{"a":1]',
      '[1}',
      '\u00a0{}',
      '{}\u00a0',
      '\ufeff{}',
      '{"k":"v"}\u0000',
      '/*c*/{}',
      '{"a":1}//',
    ];
    for (const c of cases) agree(enc.encode(c));
    agree(enc.encode(DECISION));
    expect(isJsonText(enc.encode(DECISION))).toBe(true);
    // Raw bytes: invalid UTF-8 inside a string (decoded to U+FFFD) is fine; outside, it is not;
    // a byte order mark is not JSON (Buffer's decoder keeps it).
    for (const raw of [
      [0x22, 0xff, 0x22],
      [0x22, 0xc3, 0x22],
      [0x22, 0xe2, 0x80, 0x22],
      [0xff],
      [0x5b, 0x80, 0x5d],
      [0xef, 0xbb, 0xbf, 0x7b, 0x7d],
      [0x22, 0xed, 0xa0, 0x80, 0x22],
    ])
      agree(Uint8Array.from(raw));
  });

  it('agrees with JSON.parse on deep nesting, beyond any fixed stack', () => {
    const d = 100_000;
    agree(enc.encode('['.repeat(d) + ']'.repeat(d)));
    agree(enc.encode('['.repeat(d) + ']'.repeat(d - 1)));
    agree(enc.encode('{"a":'.repeat(d) + '1' + '}'.repeat(d)));
    agree(enc.encode('{"a":'.repeat(d) + '1' + '}'.repeat(d) + '}'));
  });

  it('agrees with JSON.parse on 30,000 random mutations of JSON texts', () => {
    let seed = 0x2545f491;
    const rand = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x1_0000_0000;
    };
    const alphabet = enc.encode(' \t\n\r{}[]:,"\\/-+.0123456789eEabfnrtu"xyzl\u00e9');
    const specials = [0x00, 0x01, 0x1f, 0x7f, 0x80, 0xbf, 0xc3, 0xe2, 0xef, 0xff];
    const seeds = [
      DECISION,
      '{"a":[1,2,{"b":null}],"c":"d\\n"}',
      '[true,false,null,-0.5e+3,"\\u12ab"]',
      '"str"',
      '-12.5E-7',
      '{}',
    ].map((s) => enc.encode(s));
    for (let k = 0; k < 30_000; k++) {
      const base = seeds[k % seeds.length]!;
      const b = Array.from(base);
      const edits = 1 + Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * (b.length + 1));
        const byte =
          rand() < 0.85
            ? alphabet[Math.floor(rand() * alphabet.length)]!
            : specials[Math.floor(rand() * specials.length)]!;
        const op = rand();
        if (op < 0.35) b.splice(at, 0, byte);
        else if (op < 0.7) b.splice(at, 1);
        else b[Math.min(at, b.length - 1)] = byte;
      }
      agree(Uint8Array.from(b));
    }
    expect(compared).toBeGreaterThanOrEqual(30_000);
  });
});
