import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as cedar from '../../../electron/main/policy/cedar-node';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { envelopeOf, pae } from '../../../shared/dsse';
import {
  checkSignedVersion,
  DEFAULT_POLICY_TEXT,
  GATEWAY_SCHEMA,
  loadSignedPolicy,
  POLICY_PUBLICATION_PAYLOAD_TYPE,
  POLICY_SIGNATURE_PAYLOAD_TYPE,
  publicationBytes,
  policyVersionDigest,
  statementBytes,
  type EnrolledCertificate,
  type StoredPublication,
  type StoredSignature,
  type StoredVersion,
} from '../../../shared/policy';
import { nodeSignatureVerifier } from '../../../electron/main/policy/node-verify';

/**
 * The two-person rule as the gateway applies it, with software keys standing in for cards (the
 * integration test uses SoftHSM2): every way of getting a version loaded without two valid,
 * distinct, enrolled signers with the right roles is refused with its own code.
 */
const tenantId = '11111111-1111-4111-8111-111111111111';
const policyId = '22222222-2222-4222-8222-222222222222';
const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

interface Signer {
  operatorId: string;
  keys: webcrypto.CryptoKeyPair;
  der: Uint8Array;
  sha256: string;
}
async function signer(name: string, operatorId: string): Promise<Signer> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    keys,
    signingAlgorithm: alg,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  const der = new Uint8Array(cert.rawData);
  return { operatorId, keys, der, sha256: createHash('sha256').update(der).digest('hex') };
}

let author: Signer;
let approver: Signer;
let stranger: Signer;
const version = (text = DEFAULT_POLICY_TEXT, tests: unknown[] = []): StoredVersion => {
  const d = policyVersionDigest({ policies: text, schema: GATEWAY_SCHEMA, tests });
  return {
    tenantId,
    policyId,
    sha256: d.sha256,
    blake3: d.blake3,
    text,
    schema: GATEWAY_SCHEMA,
    tests,
    authorId: author.operatorId,
  };
};

async function sign(
  s: Signer,
  role: 'author' | 'approver',
  v: StoredVersion,
  over: { tenantId?: string } = {},
): Promise<StoredSignature> {
  const payload = statementBytes({
    _type: 'arx.policy-signature/v1',
    role,
    tenantId: over.tenantId ?? tenantId,
    policyId,
    version: { sha256: v.sha256, blake3: v.blake3 },
  });
  const sig = new Uint8Array(
    await webcrypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      s.keys.privateKey,
      pae(POLICY_SIGNATURE_PAYLOAD_TYPE, payload),
    ),
  );
  // WebCrypto gives r||s; DSSE here carries DER, as the card service produces.
  const der = x509ToDer(sig);
  return {
    role,
    operatorId: s.operatorId,
    certificateSha256: s.sha256,
    envelope: envelopeOf(POLICY_SIGNATURE_PAYLOAD_TYPE, payload, [{ keyid: s.sha256, sig: der }]),
  };
}
function x509ToDer(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.slice(i);
    if (v[0]! & 0x80) v = Uint8Array.from([0, ...v]);
    return Uint8Array.from([0x02, v.length, ...v]);
  };
  const r = int(raw.slice(0, 32));
  const s = int(raw.slice(32));
  return Uint8Array.from([0x30, r.length + s.length, ...r, ...s]);
}

let enrolled: Map<string, EnrolledCertificate>;
const lookup = (sha: string) => enrolled.get(sha);
const check = (v: StoredVersion, sigs: StoredSignature[]) => checkSignedVersion(v, sigs, lookup, nodeSignatureVerifier);
const problems = (v: StoredVersion, sigs: StoredSignature[]) => check(v, sigs).findings.map((f) => f.problem);

beforeAll(async () => {
  author = await signer('AUTHOR', 'op-author');
  approver = await signer('APPROVER', 'op-approver');
  stranger = await signer('STRANGER', 'op-stranger');
  enrolled = new Map([
    [
      author.sha256,
      {
        operatorId: author.operatorId,
        usage: 'signature',
        der: author.der,
        operatorActive: true,
        roles: ['policy-author'],
      },
    ],
    [
      approver.sha256,
      {
        operatorId: approver.operatorId,
        usage: 'signature',
        der: approver.der,
        operatorActive: true,
        roles: ['approver'],
      },
    ],
  ]);
});

describe('the version digest', () => {
  it('is canonical over line ends and a BOM, and independent of the key order of the tests', () => {
    const a = policyVersionDigest({
      policies: 'x\ny\n',
      schema: 's',
      tests: [{ name: 'n', expect: { decision: 'permit' } }],
    });
    expect(
      policyVersionDigest({
        policies: '\ufeffx\r\ny\r',
        schema: 's',
        tests: [{ expect: { decision: 'permit' }, name: 'n' }],
      }),
    ).toEqual(a);
    expect(policyVersionDigest({ policies: 'x\ny\n', schema: 's', tests: [] })).not.toEqual(a);
  });

  it('length prefixes keep the parts apart: moving bytes from the text into the schema changes it', () => {
    expect(policyVersionDigest({ policies: 'ab', schema: '', tests: [] })).not.toEqual(
      policyVersionDigest({ policies: 'a', schema: 'b', tests: [] }),
    );
  });
});

describe('checkSignedVersion', () => {
  it('accepts an author and a different approver, both enrolled with their roles', async () => {
    const v = version();
    const r = check(v, [await sign(author, 'author', v), await sign(approver, 'approver', v)]);
    expect(r).toMatchObject({ ok: true, verified: { author: true, approver: true }, findings: [] });
  });

  it('refuses text changed after signing', async () => {
    const v = version();
    const sigs = [await sign(author, 'author', v), await sign(approver, 'approver', v)];
    expect(problems({ ...v, text: v.text.replace('> 200', '> 20000') }, sigs)).toEqual(['DIGEST_MISMATCH']);
    // Re-hashing the changed text does not help: the signatures are over the old digest.
    const changed = version(v.text.replace('> 200', '> 20000'));
    expect(problems(changed, sigs)).toEqual(['STATEMENT_MISMATCH', 'STATEMENT_MISMATCH']);
  });

  it('refuses a signature by a certificate that is not enrolled, or enrolled for someone else', async () => {
    const v = version();
    const forged = { ...(await sign(stranger, 'approver', v)), operatorId: approver.operatorId };
    expect(problems(v, [await sign(author, 'author', v), forged])).toEqual(['CERTIFICATE_NOT_ENROLLED']);
    const claimed = { ...(await sign(approver, 'approver', v)), operatorId: 'op-someone-else' };
    expect(problems(v, [await sign(author, 'author', v), claimed])).toEqual(['CERTIFICATE_OTHER_OPERATOR']);
  });

  it('refuses self-approval: the author signing as approver, even when holding both roles', async () => {
    const v = version();
    enrolled.set(author.sha256, { ...enrolled.get(author.sha256)!, roles: ['policy-author', 'approver'] });
    try {
      const r = check(v, [await sign(author, 'author', v), await sign(author, 'approver', v)]);
      expect(r.ok).toBe(false);
      expect(r.findings.map((f) => f.problem)).toEqual(['SELF_APPROVAL']);
    } finally {
      enrolled.set(author.sha256, { ...enrolled.get(author.sha256)!, roles: ['policy-author'] });
    }
  });

  it('refuses an approver without the role, a disabled signer, an author signature replayed as approval, another tenant, a broken signature', async () => {
    const v = version();
    const a = await sign(author, 'author', v);
    expect(problems(v, [a, await sign(author, 'approver', v)])).toEqual(['ROLE_MISSING']);
    enrolled.set(approver.sha256, { ...enrolled.get(approver.sha256)!, operatorActive: false });
    expect(problems(v, [a, await sign(approver, 'approver', v)])).toEqual(['OPERATOR_DISABLED']);
    enrolled.set(approver.sha256, { ...enrolled.get(approver.sha256)!, operatorActive: true });
    expect(problems(v, [a, { ...a, role: 'approver' }])).toEqual(['STATEMENT_MISMATCH']);
    expect(
      problems(v, [a, await sign(approver, 'approver', v, { tenantId: '33333333-3333-4333-8333-333333333333' })]),
    ).toEqual(['STATEMENT_MISMATCH']);
    const good = await sign(approver, 'approver', v);
    const env = good.envelope as { signatures: { keyid: string; sig: string }[] };
    const bytes = Buffer.from(env.signatures[0]!.sig, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    const broken = {
      ...good,
      envelope: { ...env, signatures: [{ keyid: env.signatures[0]!.keyid, sig: bytes.toString('base64') }] },
    };
    expect(problems(v, [a, broken])).toEqual(['SIGNATURE_INVALID']);
    expect(problems(v, [a])).toEqual(['SIGNATURE_MISSING']);
    expect(problems(v, [a, { ...good, envelope: { nope: true } }])).toEqual(['ENVELOPE_INVALID']);
  });
});

/** A publication signed by `signers` (DER ECDSA over the DSSE PAE of the publication statement). */
async function publication(
  seq: number,
  v: StoredVersion,
  previous: string | null,
  signers: Signer[],
  over: Partial<StoredPublication> = {},
): Promise<StoredPublication> {
  const kind = over.kind ?? 'publish';
  const rollbackId = over.rollbackId ?? (kind === 'rollback' ? '33333333-3333-4333-8333-333333333333' : null);
  const payload = publicationBytes({
    _type: 'arx.policy-publication/v1',
    kind,
    tenantId,
    policyId,
    version: { sha256: v.sha256, blake3: v.blake3 },
    previousSha256: previous,
    sequence: seq,
    rollbackId,
  });
  const input = pae(POLICY_PUBLICATION_PAYLOAD_TYPE, payload);
  const sigs = [];
  for (const s of signers) {
    const raw = new Uint8Array(
      await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, s.keys.privateKey, input),
    );
    sigs.push({ keyid: s.sha256, sig: x509ToDer(raw) });
  }
  return {
    seq,
    kind,
    tenantId,
    policyId,
    version: { sha256: v.sha256, blake3: v.blake3 },
    previousSha256: previous,
    rollbackId,
    publishedBy: signers[signers.length - 1]?.operatorId ?? approver.operatorId,
    requestedBy: kind === 'rollback' ? (signers[0]?.operatorId ?? null) : null,
    envelope: envelopeOf(POLICY_PUBLICATION_PAYLOAD_TYPE, payload, sigs),
    ...over,
  };
}

describe('loadSignedPolicy (the gateway path)', () => {
  it('compiles the newest publication that passes; newer ones (tampered, approved by the author, a rollback without its approver) are refused and the older stays', async () => {
    const good = version();
    const goodSigs = [await sign(author, 'author', good), await sign(approver, 'approver', good)];
    const newer = version(DEFAULT_POLICY_TEXT.replace('> 200', '> 100'));
    const selfApproved = [await sign(author, 'author', newer), await sign(author, 'approver', newer)];
    const tampered = { ...newer, text: newer.text.replace('> 100', '> 1') };
    const newerSigs = [await sign(author, 'author', newer), await sign(approver, 'approver', newer)];
    const pubs = [
      {
        publication: await publication(3, good, newer.sha256, [author], {
          kind: 'rollback',
          publishedBy: approver.operatorId,
        }),
        version: good,
        signatures: goodSigs,
      },
      { publication: await publication(2, newer, newer.sha256, [approver]), version: tampered, signatures: newerSigs },
      { publication: await publication(1, newer, good.sha256, [approver]), version: newer, signatures: selfApproved },
      { publication: await publication(0, good, null, [approver]), version: good, signatures: goodSigs },
    ];
    const r = loadSignedPolicy(cedar, pubs, lookup, nodeSignatureVerifier);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.publication.publication.seq).toBe(0);
    expect(r.value.engine.version.sha256).toBe(good.sha256);
    expect(r.value.refused.map((x) => [x.publication.publication.seq, x.reasons[0]!.split(':')[0]])).toEqual([
      [3, 'PUBLICATION_SIGNATURE_INVALID'],
      [2, 'DIGEST_MISMATCH'],
      [1, 'ROLE_MISSING (approver)'],
    ]);
    const none = loadSignedPolicy(cedar, pubs.slice(0, 3), lookup, nodeSignatureVerifier);
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.refused.at(-1)!.reasons[0]).toMatch(/^SEQUENCE_GAP/);
  });

  it('loads only through the signed publication chain: unsigned, misplaced, self-approved or foreign links break it', async () => {
    const good = version();
    const newer = version(DEFAULT_POLICY_TEXT.replace('> 200', '> 100'));
    const goodSigs = [await sign(author, 'author', good), await sign(approver, 'approver', good)];
    const newerSigs = [await sign(author, 'author', newer), await sign(approver, 'approver', newer)];
    const first = { publication: await publication(0, good, null, [approver]), version: good, signatures: goodSigs };
    const second = {
      publication: await publication(1, newer, good.sha256, [author]),
      version: newer,
      signatures: newerSigs,
    };
    const load = (...newestFirst: (typeof first)[]) =>
      loadSignedPolicy(cedar, newestFirst, lookup, nodeSignatureVerifier);
    const loaded = (r: ReturnType<typeof load>) => (r.ok ? r.value.publication.publication.seq : null);
    const reason = (r: ReturnType<typeof load>) => (r.ok ? r.value.refused : r.refused)[0]?.reasons[0]?.split(':')[0];
    expect(loaded(load(second, first))).toBe(1);

    const planted = (p: Partial<StoredPublication>) => ({ ...second, publication: { ...second.publication, ...p } });
    const cases: [string, typeof first, string][] = [
      ['no signature (a row planted by SQL)', planted({ envelope: null }), 'PUBLICATION_UNSIGNED'],
      ['another previous version', planted({ previousSha256: newer.sha256 }), 'PREVIOUS_MISMATCH'],
      ['a gap in the sequence', planted({ seq: 2 }), 'SEQUENCE_GAP'],
      [
        'published by someone else than the signer',
        planted({ publishedBy: approver.operatorId }),
        'PUBLICATION_SIGNATURE_INVALID',
      ],
      [
        'signed by a certificate that is not enrolled',
        {
          ...second,
          publication: await publication(1, newer, good.sha256, [stranger], { publishedBy: author.operatorId }),
        },
        'PUBLICATION_SIGNATURE_INVALID',
      ],
      [
        'a rollback approved by its requester',
        {
          ...second,
          publication: await publication(1, newer, good.sha256, [approver, approver], { kind: 'rollback' }),
        },
        'PUBLICATION_SELF_APPROVAL',
      ],
    ];
    for (const [what, bad, code] of cases) {
      const r = load(bad, first);
      expect({ what, loaded: loaded(r), reason: reason(r) }).toEqual({ what, loaded: 0, reason: code });
    }
    // A signed rollback (requester, then a different approver) loads; whatever follows a broken link does not.
    const rollback = {
      publication: await publication(2, good, newer.sha256, [author, approver], { kind: 'rollback' }),
      version: good,
      signatures: goodSigs,
    };
    expect(loaded(load(rollback, second, first))).toBe(2);
    const afterBroken = load(rollback, planted({ envelope: null }), first);
    expect(loaded(afterBroken)).toBe(0);
    expect(afterBroken.ok && afterBroken.value.refused.map((x) => x.reasons[0]!.split(':')[0])).toEqual([
      'CHAIN_BROKEN',
      'PUBLICATION_UNSIGNED',
    ]);
  });
});
