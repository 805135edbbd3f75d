import { utf8 } from '../../shared/bytes';
import { p256 } from '@noble/curves/nist.js';
import { pae } from '../../shared/dsse';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA, policyVersionDigest } from '../../shared/policy';
import { REVOKED_GATEWAY_KEY, sha256Hex, TENANT, type Member } from './model';
import { vectorAttestation, withAttestation, withPqSignature } from './pq';
import { withPqReview } from './pq-review';
import {
  derive,
  flip,
  gzipSync,
  headerOffset,
  jsonEdit,
  rawHeader,
  replace,
  text,
  writeTar,
  type Ctx,
  type Json,
  type VectorSpec,
} from './vectors';

const drop = (name: string) => (b: Member[]) => b.filter((m) => m.name !== name);
const at = (bytes: Uint8Array, offset: number, f: (b: Uint8Array) => void) => {
  const b = new Uint8Array(bytes);
  f(b.subarray(offset));
  return b;
};
/** A tar whose member list is `members` with member `name`'s header replaced. */
const withHeader = (members: Member[], name: string, header: Uint8Array) =>
  at(writeTar(members), headerOffset(members, name), (b) => b.set(header));
/** Replaces one record field of events.bin: record k's header starts at the sum of earlier records. */
const record = (k: number, f: (rec: Uint8Array) => void) => (d: Uint8Array) => {
  const b = new Uint8Array(d);
  let off = 0;
  for (let i = 0; i < k; i++) off += 76 + new DataView(b.buffer, off + 8, 4).getUint32(0);
  f(b.subarray(off));
  return b;
};
const otherKey = derive('other-exporter-key');
const POLICY_ID = '5eed0000-0000-4000-8000-0000000000a1';

/** Adds a policy version (text and metadata, digest of the default policy) before the certificates. */
const withPolicy = (policyText: string) => (b: Member[]) => {
  const v = policyVersionDigest({ policies: DEFAULT_POLICY_TEXT, schema: GATEWAY_SCHEMA, tests: [] });
  const meta = {
    sha256: v.sha256,
    blake3: v.blake3,
    tenantId: TENANT,
    policyId: POLICY_ID,
    name: 'gateway',
    state: 'published',
    parentSha256: null,
    authorId: '5eed0000-0000-4000-8000-0000000000a2',
    schemaText: GATEWAY_SCHEMA,
    tests: [],
    signatures: [],
    enrolments: [],
  };
  const i = b.findIndex((m) => m.name.startsWith('cert-'));
  return [
    ...b.slice(0, i),
    { name: `policy-${v.sha256}.cedar`, data: utf8(policyText) },
    { name: `policy-${v.sha256}.json`, data: utf8(JSON.stringify(meta)) },
    ...b.slice(i),
  ];
};

/**
 * Adds a fidelity certificate member (statement `{}`) before the certificates: unsigned, signed by
 * a certificate the bundle lacks, or signed by the exporter's key with its certificate carried.
 */
const withReview = (c: Ctx, fromSeq: number, toSeq: number, mode: 'none' | 'absent' | 'exporter') => (b: Member[]) => {
  const id = '5eed0000-0000-4000-8000-0000000000c1';
  const type = 'application/vnd.in-toto+json';
  const payload = utf8('{}');
  const signatures =
    mode === 'none'
      ? []
      : mode === 'absent'
        ? [{ keyid: sha256Hex(utf8('absent')), sig: 'AAAA' }]
        : [
            {
              keyid: sha256Hex(c.inputs.exporterDer),
              sig: Buffer.from(
                p256.sign(pae(type, payload), derive('exporter-key'), { prehash: true, format: 'der' }),
              ).toString('base64'),
            },
          ];
  const envelope = { payloadType: type, payload: Buffer.from(payload).toString('base64'), signatures };
  const review = {
    id,
    signerId: '5eed0000-0000-4000-8000-0000000000a3',
    fromSeq,
    toSeq,
    createdAt: '2026-11-03T11:00:00.000Z',
    envelope,
  };
  const i = b.findIndex((m) => m.name.startsWith('cert-'));
  const certs = b.filter((m) => m.name.startsWith('cert-'));
  if (mode === 'exporter')
    certs.push({ name: `cert-${sha256Hex(c.inputs.exporterDer)}.der`, data: c.inputs.exporterDer });
  certs.sort((x, y) => (x.name < y.name ? -1 : 1));
  return [
    ...b.slice(0, i),
    { name: `review-${id}.json`, data: utf8(JSON.stringify(review)) },
    ...certs,
    ...b.slice(i + certs.length - (mode === 'exporter' ? 1 : 0)),
  ];
};

export const VECTORS: VectorSpec[] = [
  {
    name: 'valid-range',
    class: 'valid',
    exit: 0,
    codes: [],
    description: 'Events seq 2 … 5 of six, two checkpoints, start and end proofs.',
    make: (c) => c.tar(),
  },
  {
    name: 'valid-from-zero',
    class: 'valid',
    exit: 0,
    codes: [],
    description: 'Events seq 0 … 5: no start proof, prevHash is the genesis hash, one checkpoint.',
    make: (c) => c.tar({ model: (m) => ((m.from = 0), (m.checkpointSizes = [6])) }),
  },
  {
    name: 'valid-gzip',
    class: 'valid',
    exit: 0,
    codes: [],
    description: 'valid-range in one gzip member (method 8, flags 0).',
    make: (c) => gzipSync(c.tar(), { level: 9 }),
  },
  {
    name: 'valid-pq-signature',
    class: 'valid',
    exit: 0,
    codes: [],
    description:
      "valid-range with the exporter's ML-DSA-87 companion signature and its attestation (§11); verify.sh checks the card's signature and notes the other.",
    make: (c) => c.tar({ body: withAttestation(vectorAttestation(c.inputs)), seal: { envelope: withPqSignature() } }),
  },
  {
    name: 'valid-review-pq-signature',
    class: 'valid',
    exit: 0,
    codes: [],
    description:
      "valid-range with a fidelity certificate for seq 2 … 5 by the exporter's card and their ML-DSA-87 companion signature (attestation in the statement).",
    make: (c) => c.tar({ body: withPqReview(c.inputs) }),
  },
  {
    name: 'valid-v1',
    class: 'valid',
    exit: 0,
    codes: [],
    description: 'valid-range in format version 1: no classification, no verify.sh or schemas; still verified.',
    make: (c) => c.tar({ model: (m) => (m.version = 1) }),
  },
  {
    name: 'valid-verify-sh-replaced',
    class: 'valid',
    exit: 0,
    codes: [],
    warnings: ['BUNDLE_COPY_NOT_PUBLISHED'],
    description:
      "The bundle's own verify.sh replaced by one that always says VERIFIED (listed, signed): informational only, flagged.",
    make: (c) => c.tar({ body: replace('verify.sh', () => utf8('#!/bin/sh\necho "VERIFIED: every check holds"\n')) }),
  },
  {
    name: 'manifest-classification-missing',
    class: 'manifest',
    exit: 2,
    codes: ['BUNDLE_MANIFEST_INVALID'],
    description: 'A version 2 manifest without its classification marking (signed).',
    make: (c) => c.tar({ seal: { manifest: (m: Json) => delete m.classification } }),
  },
  {
    name: 'manifest-classification-unknown',
    class: 'manifest',
    exit: 2,
    codes: ['BUNDLE_MANIFEST_INVALID'],
    description: 'A classification that is not a banner level (signed).',
    make: (c) => c.tar({ seal: { manifest: (m: Json) => (m.classification = 'SECRET//NOFORN-ISH') } }),
  },
  // members: the container and the member list
  {
    name: 'members-digest-changed',
    class: 'members',
    exit: 1,
    codes: ['BUNDLE_MEMBER_DIGEST_MISMATCH'],
    description: 'One byte of VERIFY.md changed after signing.',
    make: (c) => {
      const ms = c.members();
      return at(writeTar(ms), headerOffset(ms, 'VERIFY.md') + 512 + 3, (b) => (b[0] = b[0]! ^ 1));
    },
  },
  {
    name: 'members-trailing-data',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_TRAILING_DATA'],
    description: 'A block of data after the end-of-archive blocks.',
    make: (c) => new Uint8Array(Buffer.concat([c.tar(), new Uint8Array(512).fill(0x41)])),
  },
  {
    name: 'members-truncated',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_TRUNCATED'],
    description: 'The file cut inside events.bin.',
    make: (c) => {
      const ms = c.members();
      return writeTar(ms).subarray(0, headerOffset(ms, 'events.bin') + 700);
    },
  },
  {
    name: 'members-padding-nonzero',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_PADDING_NONZERO'],
    description: 'A non-NUL byte in the padding after ARX-BUNDLE.',
    make: (c) => at(c.tar(), 512 + 13, (b) => (b[0] = 0x41)),
  },
  {
    name: 'members-header-noncanonical',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_HEADER_NONCANONICAL'],
    description: "range.json's header with another mtime (checksum right).",
    make: (c) => {
      const ms = c.members();
      const r = ms.find((m) => m.name === 'range.json')!;
      return withHeader(
        ms,
        'range.json',
        rawHeader('range.json', r.data.length, (h) => h.set(utf8('14000000000'), 136)),
      );
    },
  },
  {
    name: 'members-not-a-bundle',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_NOT_A_BUNDLE'],
    description: 'The first member is VERIFY.md.',
    make: (c) => c.tar({ body: (b) => [b[1]!, b[0]!, ...b.slice(2)] }),
  },
  {
    name: 'members-marker-version',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_VERSION_UNKNOWN'],
    description: 'ARX-BUNDLE says arx-bundle/3.',
    make: (c) => c.tar({ body: replace('ARX-BUNDLE', () => utf8('arx-bundle/3\n')) }),
  },
  {
    name: 'members-duplicate',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_MEMBER_DUPLICATE'],
    description: 'range.json twice (listed twice, signed).',
    make: (c) => c.tar({ body: (b) => [...b.slice(0, 3), b[2]!, ...b.slice(3)] }),
  },
  {
    name: 'members-path-traversal',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_PATH_TRAVERSAL'],
    description: 'A member named ../range.json.',
    make: (c) => {
      const ms = c.members();
      const r = ms.find((m) => m.name === 'range.json')!;
      return withHeader(ms, 'range.json', rawHeader('../range.json', r.data.length));
    },
  },
  {
    name: 'members-absolute-path',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_PATH_ABSOLUTE'],
    description: 'A member named /range.json.',
    make: (c) => {
      const ms = c.members();
      const r = ms.find((m) => m.name === 'range.json')!;
      return withHeader(ms, 'range.json', rawHeader('/range.json', r.data.length));
    },
  },
  {
    name: 'members-name-invalid',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_MEMBER_NAME_INVALID'],
    description: 'A member named "range json".',
    make: (c) => {
      const ms = c.members();
      const r = ms.find((m) => m.name === 'range.json')!;
      return withHeader(ms, 'range.json', rawHeader('range json', r.data.length));
    },
  },
  {
    name: 'members-symlink',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_MEMBER_LINK'],
    description: 'range.json as a symbolic link (typeflag 2).',
    make: (c) => {
      const ms = c.members();
      const r = ms.find((m) => m.name === 'range.json')!;
      return withHeader(
        ms,
        'range.json',
        rawHeader('range.json', r.data.length, (h) => ((h[156] = 0x32), h.set(utf8('/etc/passwd'), 157))),
      );
    },
  },
  {
    name: 'members-directory',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_MEMBER_TYPE'],
    description: 'range.json as a directory (typeflag 5).',
    make: (c) => {
      const ms = c.members();
      const r = ms.find((m) => m.name === 'range.json')!;
      return withHeader(
        ms,
        'range.json',
        rawHeader('range.json', r.data.length, (h) => (h[156] = 0x35)),
      );
    },
  },
  {
    name: 'members-unlisted',
    class: 'members',
    exit: 1,
    codes: ['BUNDLE_MEMBER_UNLISTED'],
    description: 'An extra member NOTES.txt, not in the manifest, before the trailer.',
    make: (c) => {
      const ms = c.members();
      const i = ms.findIndex((m) => m.name === 'manifest.json');
      return writeTar([...ms.slice(0, i), { name: 'NOTES.txt', data: utf8('hello\n') }, ...ms.slice(i)]);
    },
  },
  {
    name: 'members-order',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_MEMBER_ORDER'],
    description: 'gateway-keys.json before range.json (listed so, signed).',
    make: (c) => c.tar({ body: (b) => [b[0]!, b[1]!, b[3]!, b[2]!, ...b.slice(4)] }),
  },
  {
    name: 'members-missing',
    class: 'members',
    exit: 1,
    codes: ['BUNDLE_MEMBER_MISSING'],
    description: 'consistency.json left out (and out of the manifest, signed).',
    make: (c) => c.tar({ body: drop('consistency.json') }),
  },
  {
    name: 'members-sums-mismatch',
    class: 'members',
    exit: 1,
    codes: ['BUNDLE_SUMS_MISMATCH'],
    description: 'SHA256SUMS names a wrong digest for range.json (listed and signed as is).',
    make: (c) => c.tar({ seal: { sums: (s) => s.replace(/^([0-9a-f]{63})[0-9a-f](  range\.json)$/m, '$10$2') } }),
  },
  {
    name: 'members-gzip-flags',
    class: 'members',
    exit: 2,
    codes: ['BUNDLE_COMPRESSION_INVALID'],
    description: 'valid-range gzipped with the FNAME flag set.',
    make: (c) => at(gzipSync(c.tar()), 3, (b) => (b[0] = 0x08)),
  },

  {
    name: 'members-size-mismatch',
    class: 'members',
    exit: 1,
    codes: ['BUNDLE_MEMBER_SIZE_MISMATCH'],
    description: 'The manifest lists range.json one byte longer (signed).',
    make: (c) => c.tar({ seal: { manifest: (m: Json) => (m.members[2].size += 1) } }),
  },
  // manifest
  {
    name: 'manifest-missing',
    class: 'manifest',
    exit: 2,
    codes: ['BUNDLE_MANIFEST_MISSING'],
    description: 'No manifest.json (the envelope and signer remain).',
    make: (c) => writeTar(c.members().filter((m) => m.name !== 'manifest.json')),
  },
  {
    name: 'manifest-range-mismatch',
    class: 'manifest',
    exit: 1,
    codes: ['MANIFEST_RANGE_MISMATCH'],
    description: 'The signed manifest says the range is 2 … 4.',
    make: (c) => c.tar({ seal: { manifest: (m: Json) => ((m.range.to = 4), (m.range.count = 3)) } }),
  },
  {
    name: 'manifest-version',
    class: 'manifest',
    exit: 2,
    codes: ['BUNDLE_VERSION_UNKNOWN'],
    description: 'The signed manifest says version 3 (ARX-BUNDLE says 2).',
    make: (c) => c.tar({ seal: { manifest: (m: Json) => (m.version = 3) } }),
  },
  {
    name: 'manifest-extra-key',
    class: 'manifest',
    exit: 2,
    codes: ['BUNDLE_MANIFEST_INVALID'],
    description: 'The signed manifest has a key the format does not define.',
    make: (c) => c.tar({ seal: { manifest: (m: Json) => (m.note = 'x') } }),
  },
  {
    name: 'manifest-number-too-large',
    class: 'manifest',
    exit: 2,
    codes: ['BUNDLE_NUMBER_TOO_LARGE'],
    description: "The signed manifest's range.count is 2^53.",
    make: (c) => c.tar({ seal: { manifest: (m: Json) => (m.range.count = 2 ** 53) } }),
  },
  {
    name: 'manifest-number-fractional',
    class: 'manifest',
    exit: 2,
    codes: ['BUNDLE_NUMBER_TOO_LARGE'],
    description: "The signed manifest's range.count is 4.5.",
    make: (c) => c.tar({ seal: { manifest: (m: Json) => (m.range.count = 4.5) } }),
  },
  {
    name: 'manifest-duplicate-key',
    class: 'manifest',
    exit: 2,
    codes: ['BUNDLE_JSON_INVALID'],
    description: 'The signed manifest names "version" twice.',
    make: (c) => c.tar({ seal: { payload: (t) => t.replace('"version":2,', '"version":2,"version":2,') } }),
  },
  {
    name: 'manifest-envelope-mismatch',
    class: 'manifest',
    exit: 1,
    codes: ['MANIFEST_ENVELOPE_MISMATCH'],
    description: "manifest.json is not the envelope's payload (re-serialised with spaces).",
    make: (c) =>
      writeTar(
        c
          .members()
          .map((m) =>
            m.name === 'manifest.json'
              ? { name: m.name, data: utf8(JSON.stringify(JSON.parse(Buffer.from(m.data).toString()), null, 1)) }
              : m,
          ),
      ),
  },
  // signatures
  {
    name: 'signatures-wrong-key',
    class: 'signatures',
    exit: 1,
    codes: ['MANIFEST_SIGNATURE_INVALID'],
    description: "The manifest signed by a key that is not the certificate's.",
    make: (c) => c.tar({ seal: { key: otherKey } }),
  },
  {
    name: 'signatures-none',
    class: 'signatures',
    exit: 1,
    codes: ['MANIFEST_ENVELOPE_MISMATCH'],
    description: 'The manifest envelope has no signature.',
    make: (c) => c.tar({ seal: { envelope: (e: Json) => (e.signatures = []) } }),
  },
  {
    name: 'signatures-keyid',
    class: 'signatures',
    exit: 1,
    codes: ['MANIFEST_SIGNATURE_INVALID'],
    description: "The envelope's keyid is not the SHA-256 of manifest-signer.der.",
    make: (c) => c.tar({ seal: { envelope: (e: Json) => (e.signatures[0].keyid = sha256Hex(utf8('other'))) } }),
  },
  {
    name: 'signatures-bit-flipped',
    class: 'signatures',
    exit: 1,
    codes: ['MANIFEST_SIGNATURE_INVALID'],
    description: 'One bit of the manifest signature flipped.',
    make: (c) =>
      c.tar({
        seal: {
          envelope: (e: Json) =>
            (e.signatures[0].sig = Buffer.from(flip(Buffer.from(e.signatures[0].sig, 'base64'), -1)).toString(
              'base64',
            )),
        },
      }),
  },
  {
    name: 'signatures-payload-type',
    class: 'signatures',
    exit: 1,
    codes: ['MANIFEST_ENVELOPE_MISMATCH'],
    description: "The envelope's payloadType changed after signing.",
    make: (c) => c.tar({ seal: { envelope: (e: Json) => (e.payloadType = 'application/json') } }),
  },
  {
    name: 'signatures-envelope-string',
    class: 'signatures',
    exit: 1,
    codes: ['MANIFEST_ENVELOPE_MISMATCH'],
    description: 'manifest.dsse.json is the envelope as a JSON string.',
    make: (c) =>
      writeTar(
        c
          .members()
          .map((m) =>
            m.name === 'manifest.dsse.json'
              ? { name: m.name, data: utf8(JSON.stringify(Buffer.from(m.data).toString())) }
              : m,
          ),
      ),
  },
  // certificates
  {
    name: 'certificates-untrusted-signer',
    class: 'certificates',
    exit: 1,
    codes: ['CERT_UNTRUSTED'],
    description: "The signer's certificate (same key) issued by a root the auditor does not trust.",
    make: (c) => c.tar({ seal: { signerDer: c.inputs.untrustedExporterDer } }),
  },
  {
    name: 'certificates-signer-malformed',
    class: 'certificates',
    exit: 1,
    codes: ['CERT_MALFORMED', 'SIGNER_CERT_MISSING', 'SIGNER_CERT_MISSING'],
    description: 'manifest-signer.der is not a certificate.',
    make: (c) => c.tar({ seal: { signerDer: utf8('not a certificate') } }),
  },
  {
    name: 'certificates-intermediate-missing',
    class: 'certificates',
    exit: 1,
    codes: ['CERT_UNTRUSTED'],
    description: 'The intermediate CA certificate left out (the auditor has none).',
    make: (c) => c.tar({ body: (b) => b.filter((m) => !m.name.startsWith('cert-')) }),
  },
  {
    name: 'certificates-intermediate-signature',
    class: 'certificates',
    exit: 1,
    codes: ['CERT_SIGNATURE_INVALID', 'CERT_SIGNATURE_INVALID'],
    description: "The intermediate CA certificate's signature changed (member renamed to its new SHA-256).",
    make: (c) => {
      const bad = flip(c.inputs.intermediateDer, -3);
      return c.tar({
        body: (b) => b.map((m) => (m.name.startsWith('cert-') ? { name: `cert-${sha256Hex(bad)}.der`, data: bad } : m)),
      });
    },
  },
  {
    name: 'certificates-name-not-digest',
    class: 'certificates',
    exit: 1,
    codes: ['BUNDLE_MEMBER_INVALID', 'CERT_UNTRUSTED'],
    description: 'A cert-<sha256>.der member whose name is not its SHA-256.',
    make: (c) =>
      c.tar({
        body: (b) =>
          b.map((m) => (m.name.startsWith('cert-') ? { name: `cert-${sha256Hex(utf8('x'))}.der`, data: m.data } : m)),
      }),
  },
  {
    name: 'valid-foreign-root-carried',
    class: 'valid',
    exit: 0,
    codes: [],
    description: 'The bundle also carries a root the auditor does not trust: never trusted by itself, harmless.',
    make: (c) =>
      c.tar({
        body: (b) => {
          const i = b.findIndex((m) => m.name === 'events.bin');
          const extra = { name: `cert-${sha256Hex(c.inputs.untrustedRootDer)}.der`, data: c.inputs.untrustedRootDer };
          const certs = [...b.filter((m) => m.name.startsWith('cert-')), extra].sort((x, y) =>
            x.name < y.name ? -1 : 1,
          );
          const rest = b.filter((m) => !m.name.startsWith('cert-'));
          const j = rest.findIndex((m) => m.name === 'events.bin');
          void i;
          return [...rest.slice(0, j), ...certs, ...rest.slice(j)];
        },
      }),
  },
  // checkpoints
  {
    name: 'checkpoints-forged-key',
    class: 'checkpoints',
    exit: 1,
    codes: [
      'CHECKPOINT_CONSISTENCY_INVALID',
      'GATEWAY_KEY_NOT_PINNED',
      'GATEWAY_KEY_NOT_PINNED',
      'PROOF_INVALID',
      'PROOF_INVALID',
      'PROOF_MISSING',
      'PROOF_MISSING',
    ],
    description: 'Checkpoints signed by a gateway key the auditor does not pin (listed in the bundle).',
    make: (c) => c.tar({ model: (m) => (m.gatewaySeed = derive('forged-gateway-key')) }),
  },
  {
    name: 'checkpoints-revoked-key-window-widened',
    class: 'checkpoints',
    exit: 1,
    codes: ['CHECKPOINT_CONSISTENCY_INVALID', 'GATEWAY_KEY_OUTSIDE_PINNED_WINDOW', 'GATEWAY_KEY_OUTSIDE_PINNED_WINDOW'],
    description:
      'Checkpoints signed by a pinned key after its pinned revocation; gateway-keys.json claims its window still open.',
    make: (c) =>
      c.tar({
        model: (m) => {
          m.gatewaySeed = derive('revoked-gateway-key');
          m.gatewayKeyName = REVOKED_GATEWAY_KEY;
          m.keyValidFrom = '2026-10-01T00:00:00.000Z';
        },
      }),
  },
  {
    name: 'checkpoints-key-not-yet-valid',
    class: 'checkpoints',
    exit: 1,
    codes: ['CHECKPOINT_CONSISTENCY_INVALID', 'CHECKPOINT_KEY_OUTSIDE_WINDOW', 'CHECKPOINT_KEY_OUTSIDE_WINDOW'],
    description: 'The gateway key is valid only from after both checkpoints.',
    make: (c) => c.tar({ model: (m) => (m.keyValidFrom = '2026-11-02T11:00:00.000Z') }),
  },
  {
    name: 'checkpoints-key-expired',
    class: 'checkpoints',
    exit: 1,
    codes: ['CHECKPOINT_CONSISTENCY_INVALID', 'CHECKPOINT_KEY_OUTSIDE_WINDOW'],
    description: 'The gateway key expired between the two checkpoints.',
    make: (c) => c.tar({ model: (m) => (m.keyValidTo = '2026-11-02T10:00:30.000Z') }),
  },
  {
    name: 'checkpoints-signature',
    class: 'checkpoints',
    exit: 1,
    codes: ['CHECKPOINT_CONSISTENCY_INVALID', 'CHECKPOINT_SIGNATURE_INVALID'],
    description: "One bit of checkpoint-000002's signature flipped.",
    make: (c) =>
      c.tar({
        body: replace(
          'checkpoint-000002.note',
          text((t) => t.replace(/(— \S+ .{10})(\S)/, (_x, a: string, b: string) => a + (b === 'A' ? 'B' : 'A'))),
        ),
      }),
  },
  {
    name: 'checkpoints-malformed',
    class: 'checkpoints',
    exit: 1,
    codes: ['CHECKPOINT_CONSISTENCY_INVALID', 'CHECKPOINT_MALFORMED'],
    description: 'checkpoint-000001.note is not a signed note.',
    make: (c) => c.tar({ body: replace('checkpoint-000001.note', () => utf8('not a checkpoint\n')) }),
  },
  {
    name: 'checkpoints-gateway-key-invalid',
    class: 'checkpoints',
    exit: 1,
    codes: [
      'CHECKPOINT_CONSISTENCY_INVALID',
      'CHECKPOINT_KEY_UNKNOWN',
      'CHECKPOINT_KEY_UNKNOWN',
      'GATEWAY_KEY_INVALID',
      'PROOF_INVALID',
      'PROOF_INVALID',
      'PROOF_MISSING',
      'PROOF_MISSING',
    ],
    description: 'gateway-keys.json lists a verifier key that does not parse.',
    make: (c) =>
      c.tar({
        body: replace(
          'gateway-keys.json',
          text((t) => t.replace(/"verifierKey":"[^"]*"/, '"verifierKey":"arx-gateway.bad+00000000+AAAA"')),
        ),
      }),
  },
  {
    name: 'checkpoints-consistency',
    class: 'checkpoints',
    exit: 1,
    codes: ['CHECKPOINT_CONSISTENCY_INVALID'],
    description: 'The consistency proof between the two checkpoints changed.',
    make: (c) =>
      c.tar({
        body: replace(
          'consistency.json',
          jsonEdit((v) => (v[0].proof[0] = Buffer.alloc(32, 7).toString('base64'))),
        ),
      }),
  },
  {
    name: 'checkpoints-end-missing',
    class: 'checkpoints',
    exit: 1,
    codes: ['CHECKPOINT_CONSISTENCY_INVALID'],
    description: 'checkpoint-000002.note (the one the end proof names) left out.',
    make: (c) => c.tar({ body: drop('checkpoint-000002.note') }),
  },
  // proofs
  {
    name: 'proofs-end-path',
    class: 'proofs',
    exit: 1,
    codes: ['PROOF_INVALID', 'PROOF_MISSING'],
    description: 'A hash of the end inclusion proof changed.',
    make: (c) =>
      c.tar({
        body: replace(
          'proof-end.tlog-proof',
          text((t) => t.replace(/\nindex 5\n\S/, (x) => x.slice(0, -1) + (x.endsWith('A') ? 'B' : 'A'))),
        ),
      }),
  },
  {
    name: 'proofs-end-index',
    class: 'proofs',
    exit: 1,
    codes: ['PROOF_INVALID', 'PROOF_MISSING'],
    description: 'The end inclusion proof names index 4 instead of 5.',
    make: (c) =>
      c.tar({
        body: replace(
          'proof-end.tlog-proof',
          text((t) => t.replace('\nindex 5\n', '\nindex 4\n')),
        ),
      }),
  },
  {
    name: 'proofs-start-missing',
    class: 'proofs',
    exit: 1,
    codes: ['PROOF_MISSING'],
    description: 'proof-start.tlog-proof left out (from > 0).',
    make: (c) => c.tar({ body: drop('proof-start.tlog-proof') }),
  },
  {
    name: 'proofs-end-missing',
    class: 'proofs',
    exit: 1,
    codes: ['PROOF_MISSING'],
    description: 'proof-end.tlog-proof left out.',
    make: (c) => c.tar({ body: drop('proof-end.tlog-proof') }),
  },
  // events
  {
    name: 'events-bytes-changed',
    class: 'events',
    exit: 1,
    codes: ['EVENT_DIGEST_MISMATCH'],
    description: 'One byte of event seq 3 changed; its stored digest and link kept.',
    make: (c) =>
      c.tar({
        body: replace(
          'events.bin',
          record(1, (r) => (r[76 + 30]! ^= 1)),
        ),
      }),
  },
  {
    name: 'events-rewritten-rechained',
    class: 'events',
    exit: 1,
    codes: ['ANCHOR_MISMATCH', 'PROOF_INVALID', 'PROOF_MISSING'],
    description:
      'Event seq 4 rewritten after the checkpoints, digests and links recomputed, re-signed by the exporter.',
    make: (c) =>
      c.tar({
        model: (m) => (
          (m.stored = [...m.events]),
          (m.stored[4] = utf8(Buffer.from(m.events[4]!).toString().replace('"latencyMs":900', '"latencyMs":901')))
        ),
      }),
  },
  {
    name: 'events-malformed',
    class: 'events',
    exit: 1,
    codes: ['CHAIN_TRUNCATED', 'EVENTS_MALFORMED'],
    description: 'events.bin ends inside a record header.',
    make: (c) =>
      c.tar({ body: replace('events.bin', (d) => d.subarray(0, d.length - (d.length - 40) + 40 - 0).subarray(0, 40)) }),
  },
  {
    name: 'events-last-missing',
    class: 'events',
    exit: 1,
    codes: ['CHAIN_TRUNCATED', 'EVENTS_RANGE_MISMATCH'],
    description: 'The last record of events.bin left out.',
    make: (c) =>
      c.tar({
        body: replace('events.bin', (d) => {
          let off = 0;
          for (let i = 0; i < 3; i++) off += 76 + new DataView(d.buffer, d.byteOffset + off + 8, 4).getUint32(0);
          return d.subarray(0, off);
        }),
      }),
  },
  {
    name: 'events-opaque-event',
    class: 'events',
    exit: 1,
    codes: ['EVENT_WRITER_UNAUTHENTICATED'],
    description:
      'Event seq 3 is not a CloudEvent but was chained and checkpointed as such: its links verify, but it names no event type and no writer, so its writer is not authenticated.',
    make: (c) => c.tar({ model: (m) => (m.events[3] = utf8('{"hello":"world"}')) }),
  },
  // links
  {
    name: 'links-hash-changed',
    class: 'links',
    exit: 1,
    codes: ['ANCHOR_MISMATCH', 'CHAIN_LINK_MISMATCH'],
    description: 'The stored chain hash of seq 3 changed.',
    make: (c) =>
      c.tar({
        body: replace(
          'events.bin',
          record(1, (r) => (r[44 + 5]! ^= 1)),
        ),
      }),
  },
  {
    name: 'links-seq-changed',
    class: 'links',
    exit: 1,
    codes: ['CHAIN_TRUNCATED', 'SEQ_GAP', 'SEQ_OUT_OF_ORDER', 'SEQ_RENUMBERED'],
    description: 'The record of seq 4 says seq 7.',
    make: (c) =>
      c.tar({
        body: replace(
          'events.bin',
          record(2, (r) => (r[7] = 7)),
        ),
      }),
  },
  {
    name: 'links-prev-hash',
    class: 'links',
    exit: 1,
    codes: ['CHAIN_LINK_MISMATCH', 'PROOF_INVALID', 'PROOF_MISSING'],
    description: "range.json's prevHash is not h_1.",
    make: (c) =>
      c.tar({
        body: replace(
          'range.json',
          jsonEdit((v) => (v.prevHash = '00'.repeat(32))),
        ),
      }),
  },
  {
    name: 'links-swapped',
    class: 'links',
    exit: 1,
    codes: ['SEQ_GAP', 'SEQ_OUT_OF_ORDER'],
    description: 'The records of seq 3 and 4 exchanged (each keeping its seq field).',
    make: (c) =>
      c.tar({
        body: replace('events.bin', (d) => {
          const recs: Uint8Array[] = [];
          let off = 0;
          while (off < d.length) {
            const n = 76 + new DataView(d.buffer, d.byteOffset + off + 8, 4).getUint32(0);
            recs.push(d.slice(off, off + n));
            off += n;
          }
          [recs[1], recs[2]] = [recs[2]!, recs[1]!];
          return new Uint8Array(Buffer.concat(recs));
        }),
      }),
  },
  // policies
  {
    name: 'policies-digest-mismatch',
    class: 'policies',
    exit: 1,
    codes: ['POLICY_DIGEST_MISMATCH'],
    description: 'A policy version whose text does not hash to its name.',
    make: (c) => c.tar({ body: withPolicy('permit (principal, action, resource);\n') }),
  },
  {
    name: 'policies-unsigned',
    class: 'policies',
    exit: 1,
    codes: ['POLICY_UNSIGNED', 'POLICY_UNSIGNED'],
    description: 'A policy version with neither author nor approver signature.',
    make: (c) => c.tar({ body: withPolicy(DEFAULT_POLICY_TEXT) }),
  },
  // reviews
  {
    name: 'reviews-unsigned',
    class: 'reviews',
    exit: 1,
    codes: ['BUNDLE_MEMBER_INVALID'],
    description: 'A fidelity certificate whose envelope has no signature.',
    make: (c) => c.tar({ body: withReview(c, 2, 5, 'none') }),
  },
  {
    name: 'reviews-signer-missing',
    class: 'reviews',
    exit: 1,
    codes: ['SIGNER_CERT_MISSING'],
    description: 'A fidelity certificate signed by a certificate the bundle does not carry.',
    make: (c) => c.tar({ body: withReview(c, 2, 5, 'absent') }),
  },
  {
    name: 'reviews-range-outside',
    class: 'reviews',
    exit: 1,
    codes: ['REVIEW_RANGE_MISMATCH', 'REVIEW_STATEMENT_INVALID'],
    description: 'A fidelity certificate for seq 100 … 200, outside the range, signed by the exporter (statement {}).',
    make: (c) => c.tar({ body: withReview(c, 100, 200, 'exporter') }),
  },
  // post-quantum signature (§11): judged apart, its code added to the findings
  {
    name: 'signatures-pq-bit-flipped',
    class: 'signatures',
    exit: 1,
    codes: ['BUNDLE_PQ_SIGNATURE_INVALID'],
    description: 'valid-pq-signature with one bit of the ML-DSA-87 signature flipped (the card signature still holds).',
    make: (c) =>
      c.tar({
        body: withAttestation(vectorAttestation(c.inputs)),
        seal: { envelope: withPqSignature((s) => flip(s, 1000)) },
      }),
  },
  {
    name: 'signatures-pq-attestation-other-card',
    class: 'signatures',
    exit: 1,
    codes: ['BUNDLE_PQ_ATTESTATION_OTHER_CARD'],
    description:
      'valid-pq-signature whose attestation names and is keyed to another signing certificate than manifest-signer.der.',
    make: (c) =>
      c.tar({
        body: withAttestation(vectorAttestation(c.inputs, c.inputs.untrustedExporterDer)),
        seal: { envelope: withPqSignature() },
      }),
  },
  {
    name: 'reviews-pq-bit-flipped',
    class: 'reviews',
    exit: 1,
    codes: ['REVIEW_PQ_SIGNATURE_INVALID'],
    description:
      "valid-review-pq-signature with one bit of the certificate's ML-DSA-87 signature flipped (its card signature still holds).",
    make: (c) => c.tar({ body: withPqReview(c.inputs, { tamper: (s) => flip(s, 1000) }) }),
  },
  {
    name: 'reviews-pq-attestation-other-card',
    class: 'reviews',
    exit: 1,
    codes: ['REVIEW_PQ_ATTESTATION_OTHER_CARD'],
    description:
      "valid-review-pq-signature whose companion attestation names and is keyed to another signing certificate than the reviewer's.",
    make: (c) => c.tar({ body: withPqReview(c.inputs, { attCert: c.inputs.untrustedExporterDer }) }),
  },
  // limits
  {
    name: 'limits-json-too-deep',
    class: 'limits',
    exit: 1,
    codes: ['BUNDLE_JSON_TOO_DEEP', 'PROOF_MISSING'],
    description: 'consistency.json nested 40 levels deep.',
    make: (c) => c.tar({ body: replace('consistency.json', () => utf8(`${'['.repeat(40)}${']'.repeat(40)}`)) }),
  },
  {
    name: 'limits-utf8-invalid',
    class: 'limits',
    exit: 1,
    codes: ['BUNDLE_UTF8_INVALID', 'PROOF_MISSING'],
    description: 'consistency.json holds a byte that is not UTF-8.',
    make: (c) =>
      c.tar({
        body: replace('consistency.json', (d) => new Uint8Array([...d.subarray(0, -2), 0xff, ...d.subarray(-2)])),
      }),
  },
  {
    name: 'limits-compression-ratio',
    class: 'limits',
    exit: 2,
    codes: ['BUNDLE_COMPRESSION_RATIO'],
    description: 'A gzipped bundle whose VERIFY.md is 8 MiB of spaces (ratio above 100).',
    make: (c) =>
      gzipSync(c.tar({ body: replace('VERIFY.md', () => new Uint8Array(8 * 2 ** 20).fill(0x20)) }), { level: 9 }),
  },
];
