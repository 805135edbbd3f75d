import type { BundlePqResult } from './pq';
import { z } from 'zod';
import { ClassificationLevelSchema } from '../config/classification';

/**
 * The evidence bundle, format version 2; version 1 is still verified (normative text:
 * docs/bundle-format.md). Pure: the names, limits, codes, member kinds and JSON schemas that the
 * exporter and every verifier share.
 */
export const BUNDLE_FORMAT = 'arx-bundle';
/** The version new bundles are written in. */
export const BUNDLE_VERSION = 2;
/** The versions a verifier reads. */
export const BUNDLE_VERSIONS = [1, 2] as const;
export type BundleVersion = (typeof BUNDLE_VERSIONS)[number];
/** The whole content of the first member, `ARX-BUNDLE`. */
export const bundleMagicText = (v: BundleVersion) => `${BUNDLE_FORMAT}/${v}\n`;
export const BUNDLE_MAGIC_TEXT = bundleMagicText(BUNDLE_VERSION);
/** DSSE payload type of the manifest. */
export const manifestPayloadType = (v: BundleVersion) => `application/vnd.arx.bundle-manifest+json;version=${v}`;
export const MANIFEST_PAYLOAD_TYPE = manifestPayloadType(BUNDLE_VERSION);
/** Version 2 members that are copies of what ARX publishes: informational, compared, never run or trusted. */
export const VERIFY_SH_MEMBER = 'verify.sh';
export const schemaMemberName = (name: string) => `schema-${name}.json`;
/** The fixed modification time written in every tar header (2026-01-01T00:00:00Z): one canonical encoding per bundle. */
export const TAR_MTIME = 1767225600;

/** Limits a verifier enforces before reading further (each breach has its own code). */
export interface BundleLimits {
  /** Bytes of the uncompressed tar stream. */
  maxTotalBytes: number;
  /** Bytes of one member other than events.bin (those are held in memory). */
  maxMemberBytes: number;
  /** Bytes of all in-memory members together. */
  maxSmallBytes: number;
  maxMembers: number;
  /** Bytes of one event's stored bytes. */
  maxEventBytes: number;
  /** Uncompressed / compressed, checked once more than `ratioGraceBytes` came out. */
  maxCompressionRatio: number;
  ratioGraceBytes: number;
  /** JSON nesting depth. */
  maxJsonDepth: number;
}

export const DEFAULT_LIMITS: BundleLimits = {
  maxTotalBytes: 64 * 2 ** 30,
  maxMemberBytes: 64 * 2 ** 20,
  maxSmallBytes: 512 * 2 ** 20,
  maxMembers: 200_000,
  maxEventBytes: 16 * 2 ** 20,
  maxCompressionRatio: 100,
  ratioGraceBytes: 2 ** 20,
  maxJsonDepth: 32,
};

/**
 * Codes that make the file unusable as a bundle (exit 2): verification cannot go on. Everything
 * else is a finding inside a readable bundle (exit 1).
 */
export const BUNDLE_FATAL_CODES = [
  'BUNDLE_UNREADABLE',
  'BUNDLE_NOT_A_BUNDLE',
  'BUNDLE_VERSION_UNKNOWN',
  'BUNDLE_TRUNCATED',
  'BUNDLE_TAR_HEADER_INVALID',
  'BUNDLE_HEADER_NONCANONICAL',
  'BUNDLE_PATH_TRAVERSAL',
  'BUNDLE_PATH_ABSOLUTE',
  'BUNDLE_MEMBER_NAME_INVALID',
  'BUNDLE_MEMBER_LINK',
  'BUNDLE_MEMBER_TYPE',
  'BUNDLE_MEMBER_DUPLICATE',
  'BUNDLE_MEMBER_ORDER',
  'BUNDLE_MEMBER_TOO_LARGE',
  'BUNDLE_TOO_LARGE',
  'BUNDLE_TOO_MANY_MEMBERS',
  'BUNDLE_PADDING_NONZERO',
  'BUNDLE_TRAILING_DATA',
  'BUNDLE_COMPRESSION_INVALID',
  'BUNDLE_COMPRESSION_RATIO',
  'BUNDLE_MANIFEST_MISSING',
  'BUNDLE_MANIFEST_INVALID',
  'BUNDLE_UTF8_INVALID',
  'BUNDLE_JSON_INVALID',
  'BUNDLE_JSON_TOO_DEEP',
  'BUNDLE_NUMBER_TOO_LARGE',
  'BUNDLE_EVENT_TOO_LARGE',
] as const;
export type BundleFatalCode = (typeof BUNDLE_FATAL_CODES)[number];

/** Findings (exit 1), beside the chain's, Merkle, note and PKI codes that are reported as they are. */
export const BUNDLE_FINDING_CODES = [
  'BUNDLE_MEMBER_MISSING',
  'BUNDLE_MEMBER_UNLISTED',
  'BUNDLE_MEMBER_SIZE_MISMATCH',
  'BUNDLE_MEMBER_DIGEST_MISMATCH',
  'BUNDLE_SUMS_MISMATCH',
  'BUNDLE_MEMBER_INVALID',
  'MANIFEST_ENVELOPE_MISMATCH',
  'MANIFEST_SIGNATURE_INVALID',
  'BUNDLE_EXPORTER_MISMATCH',
  'MANIFEST_RANGE_MISMATCH',
  'SIGNER_CERT_MISSING',
  'EVENTS_MALFORMED',
  'EVENTS_RANGE_MISMATCH',
  'PROOF_INVALID',
  'PROOF_MISSING',
  'CHECKPOINT_KEY_UNKNOWN',
  'CHECKPOINT_SIGNATURE_INVALID',
  'CHECKPOINT_KEY_OUTSIDE_WINDOW',
  'GATEWAY_KEY_OUTSIDE_PINNED_WINDOW',
  'CHECKPOINT_MALFORMED',
  'CHECKPOINT_CONSISTENCY_INVALID',
  'GATEWAY_KEY_INVALID',
  'POLICY_VERSION_MISSING',
  'POLICY_DIGEST_MISMATCH',
  'POLICY_UNSIGNED',
  'POLICY_SIGNATURE_INVALID',
  'REVIEW_SIGNATURE_INVALID',
  'REVIEW_RANGE_MISMATCH',
  'DECISION_MISMATCH',
  'DECISION_REPLAY_FAILED',
] as const;
export type BundleFindingCode = (typeof BUNDLE_FINDING_CODES)[number];

/** The checks of a report, in the order they are shown. */
export const BUNDLE_CHECKS = [
  { id: 'manifest-signature', label: 'Manifest signature' },
  { id: 'members', label: 'Members and digests' },
  { id: 'chain', label: 'Chain links' },
  { id: 'proofs', label: 'Inclusion and consistency proofs' },
  { id: 'checkpoints', label: 'Checkpoint signatures and key windows' },
  { id: 'policy-signatures', label: 'Policy-version signatures' },
  { id: 'certificates', label: 'Certificate signatures' },
  { id: 'signer-paths', label: 'Signer paths and CRLs' },
  { id: 'writers', label: 'Event writers' },
  { id: 'decisions', label: 'Decision re-verification' },
] as const;
export type BundleCheckId = (typeof BUNDLE_CHECKS)[number]['id'];

export interface BundleFinding {
  code: string;
  message: string;
  /** Where: `member` (name), and `offset`, `seq`, `line`, `path` … as far as known. */
  location: Record<string, string | number>;
}

export interface BundleCheckResult {
  id: BundleCheckId;
  label: string;
  ok: boolean;
  /** How many items the check covered (signatures, events, proofs …). */
  checked: number;
  findings: BundleFinding[];
  /** Findings beyond the ones listed. */
  omitted: number;
}

export interface BundleReport {
  /** Every check holds. */
  ok: boolean;
  /** Set when the file is not a usable bundle (exit 2); the checks are then empty. */
  fatal: BundleFinding | null;
  format: { name: string; version: number } | null;
  summary: {
    tenantId: string | null;
    tenantSlug: string | null;
    from: number | null;
    to: number | null;
    events: number;
    eventBytes: number;
    checkpoints: number;
    policyVersions: number;
    reviews: number;
    certificates: number;
    crls: number;
    signer: string | null;
    createdAt: string | null;
    /** The manifest's classification marking (format version 2), shown wherever the bundle is opened. */
    classification: string | null;
    bytes: number;
    compressed: boolean;
  };
  checks: BundleCheckResult[];
  warnings: BundleFinding[];
  /** The ML-DSA-87 manifest signature, apart from the classical checks (absent on a fatal report). */
  pq?: BundlePqResult;
  /** Each fidelity certificate's ML-DSA-87 companion signature (codes REVIEW_PQ_…), when the bundle has any. */
  pqReviews?: (BundlePqResult & { id: string; member: string })[];
  /**
   * The witnesses' cosignatures on the bundle's anchoring checkpoint, judged against the auditor's
   * trusted witness keys (`--witness-key`, trust dir witness-keys.txt); only when any were given.
   */
  witnessing?: BundleWitnessing;
}

/** What `--require-witnesses K` found on the anchoring checkpoint (docs/bundle-format.md §5.3). */
export interface BundleWitnessing {
  ok: boolean;
  required: number;
  treeSize: number | null;
  witnesses: { name: string; timestamp: number }[];
  ignored: number;
  error?: { code: string; message: string };
}

/** Member names: flat, lowercase ASCII; nothing a filesystem could read as a path. */
export const MEMBER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The trailer: the members the manifest cannot list (itself, its signature, the signing certificate). */
export const TRAILER = ['manifest.json', 'manifest.dsse.json', 'manifest-signer.der'] as const;

/** Member kinds, in the order they must appear in the tar. */
export const MEMBER_KINDS = [
  { kind: 'magic', pattern: /^ARX-BUNDLE$/ },
  { kind: 'verify-md', pattern: /^VERIFY\.md$/ },
  { kind: 'range', pattern: /^range\.json$/ },
  { kind: 'gateway-keys', pattern: /^gateway-keys\.json$/ },
  { kind: 'checkpoint', pattern: /^checkpoint-[0-9]{6}\.note$/ },
  { kind: 'consistency', pattern: /^consistency\.json$/ },
  { kind: 'cosignatures', pattern: /^cosignatures\.json$/ },
  { kind: 'proof', pattern: /^proof-(start|end)\.tlog-proof$/ },
  { kind: 'policy', pattern: /^policy-[0-9a-f]{64}\.(cedar|json)$/ },
  { kind: 'review', pattern: /^review-[0-9a-f-]{36}\.json$/ },
  { kind: 'cert', pattern: /^cert-[0-9a-f]{64}\.der$/ },
  { kind: 'crl', pattern: /^crl-[0-9a-f]{64}\.der$/ },
  { kind: 'events', pattern: /^events\.bin$/ },
  { kind: 'verify-sh', pattern: /^verify\.sh$/ },
  { kind: 'schema', pattern: /^schema-[a-z0-9-]{1,40}\.json$/ },
  { kind: 'companion', pattern: /^companion-attestation\.dsse\.json$/ },
  { kind: 'sums', pattern: /^(SHA256SUMS|B3SUMS)$/ },
  { kind: 'manifest', pattern: /^manifest\.json$/ },
  { kind: 'envelope', pattern: /^manifest\.dsse\.json$/ },
  { kind: 'signer', pattern: /^manifest-signer\.der$/ },
] as const;
export type MemberKind = (typeof MEMBER_KINDS)[number]['kind'] | 'unknown';

export function memberKind(name: string): { kind: MemberKind; rank: number } {
  const i = MEMBER_KINDS.findIndex((k) => k.pattern.test(name));
  return i < 0 ? { kind: 'unknown', rank: -1 } : { kind: MEMBER_KINDS[i]!.kind, rank: i };
}

const HEX32 = z.string().regex(/^[0-9a-f]{64}$/);
const SEQ = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const TIME = z.string().max(40);

export const ManifestMemberSchema = z
  .object({
    name: z.string().regex(MEMBER_NAME),
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    sha256: HEX32,
    blake3: HEX32,
  })
  .strict();

export const ManifestSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    version: z.number().int(),
    createdAt: TIME,
    tenant: z.object({ id: z.string().max(36), slug: z.string().max(64) }).strict(),
    range: z.object({ from: SEQ, to: SEQ, count: SEQ }).strict(),
    review: z.string().max(36).nullable(),
    /** Version 2: the classification marking (a console banner level), required; absent in version 1. */
    classification: ClassificationLevelSchema.optional(),
    exporter: z
      .object({
        operatorId: z.string().max(64),
        edipi: z.string().max(16),
        displayName: z.string().max(256),
        loginCertificateSha256: HEX32,
      })
      .strict(),
    members: z.array(ManifestMemberSchema).min(1).max(DEFAULT_LIMITS.maxMembers),
  })
  .strict();
export type Manifest = z.infer<typeof ManifestSchema>;

export const RangeSchema = z
  .object({
    tenantId: z.string().max(36),
    tenantSlug: z.string().max(64),
    from: SEQ,
    to: SEQ,
    count: SEQ,
    /** h_(from-1), or the genesis hash G when from is 0. */
    prevHash: HEX32,
    /** h_to: the stored chain hash of the last event. */
    lastHash: HEX32,
    review: z.string().max(36).nullable(),
  })
  .strict();
export type BundleRange = z.infer<typeof RangeSchema>;

export const GatewayKeysSchema = z
  .array(
    z
      .object({
        name: z.string().min(1).max(256),
        algorithm: z.literal('ed25519'),
        /** Verifier key text: <name>+<key id>+<base64(0x01 ‖ key)> (docs/chain-format.md §3). */
        verifierKey: z.string().max(512),
        validFrom: TIME,
        validTo: TIME.nullable(),
      })
      .strict(),
  )
  .max(1000);
export type BundleGatewayKey = z.infer<typeof GatewayKeysSchema>[number];

export const ConsistencySchema = z
  .array(
    z
      .object({
        checkpoint: z.number().int().min(1).max(999_999),
        fromSize: SEQ,
        toSize: SEQ,
        proof: z.array(z.string().max(64)).max(64),
      })
      .strict(),
  )
  .max(DEFAULT_LIMITS.maxMembers);

const DsseSchema = z
  .object({
    payloadType: z.string().min(1).max(256),
    payload: z.string().max(16 * 2 ** 20),
    signatures: z
      // 8192: room for an ML-DSA-87 companion signature (4627 bytes, 6172 in base64) beside the card's.
      .array(z.object({ keyid: z.string().max(128), sig: z.string().max(8192) }).strict())
      .min(1)
      .max(16),
  })
  .strict();

export const PolicyMetaSchema = z
  .object({
    /** The version digest (docs/policy-versions.md): over the policy text, schema and tests. */
    sha256: HEX32,
    blake3: HEX32,
    tenantId: z.string().max(36),
    policyId: z.string().max(64),
    name: z.string().max(256),
    state: z.string().max(32),
    parentSha256: HEX32.nullable(),
    authorId: z.string().max(64),
    schemaText: z.string().max(4 * 2 ** 20),
    tests: z.array(z.unknown()).max(10_000),
    signatures: z
      .array(
        z
          .object({
            role: z.enum(['author', 'approver']),
            operatorId: z.string().max(64),
            certificateSha256: HEX32,
            signedAt: TIME,
            envelope: DsseSchema,
          })
          .strict(),
      )
      .max(64),
    /** What the control plane knew of each signing certificate when the bundle was exported (attested by the manifest signature). */
    enrolments: z
      .array(
        z
          .object({
            certificateSha256: HEX32,
            operatorId: z.string().max(64),
            usage: z.string().max(32),
            operatorActive: z.boolean(),
            roles: z.array(z.string().max(32)).max(16),
          })
          .strict(),
      )
      .max(64),
  })
  .strict();
export type PolicyMeta = z.infer<typeof PolicyMetaSchema>;

export const ReviewSchema = z
  .object({
    id: z.string().max(36),
    signerId: z.string().max(64),
    fromSeq: SEQ,
    toSeq: SEQ,
    createdAt: TIME,
    envelope: DsseSchema,
  })
  .strict();
export type BundleReview = z.infer<typeof ReviewSchema>;

/** events.bin record: u64be(seq) ‖ u32be(n) ‖ d (32) ‖ h (32) ‖ bytes (n). */
// (defined in events.ts, which the hash worker loads without this module's zod schemas)
export { EVENT_RECORD_HEADER } from './events';
