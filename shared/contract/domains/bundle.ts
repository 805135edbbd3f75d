import { ClassificationLevelSchema } from '../../config/classification';
import { z } from 'zod';
import { def, empty, type CommandDef } from '../define';

const seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const location = z.record(z.string(), z.union([z.string(), z.number()]));
const finding = z.object({ code: z.string(), message: z.string(), location }).strict();

export const BundleReportSchema = z
  .object({
    ok: z.boolean(),
    fatal: finding.nullable(),
    format: z.object({ name: z.string(), version: z.number() }).strict().nullable(),
    summary: z
      .object({
        tenantId: z.string().nullable(),
        tenantSlug: z.string().nullable(),
        from: z.number().nullable(),
        to: z.number().nullable(),
        events: z.number(),
        eventBytes: z.number(),
        checkpoints: z.number(),
        policyVersions: z.number(),
        reviews: z.number(),
        certificates: z.number(),
        crls: z.number(),
        signer: z.string().nullable(),
        createdAt: z.string().nullable(),
        classification: z.string().nullable(),
        bytes: z.number(),
        compressed: z.boolean(),
      })
      .strict(),
    checks: z.array(
      z
        .object({
          id: z.string(),
          label: z.string(),
          ok: z.boolean(),
          checked: z.number(),
          findings: z.array(finding),
          omitted: z.number(),
        })
        .strict(),
    ),
    warnings: z.array(finding),
    /** The ML-DSA-87 manifest signature (docs/bundle-format.md §11), apart from the classical checks. */
    pq: z
      .object({
        state: z.enum(['absent', 'valid', 'invalid']),
        code: z.string().nullable(),
        message: z.string().nullable(),
        keyId: z.string().nullable(),
      })
      .strict()
      .optional(),
    /** Each fidelity certificate's ML-DSA-87 companion signature (docs/fidelity-certificates.md), apart. */
    pqReviews: z
      .array(
        z
          .object({
            id: z.string(),
            member: z.string(),
            state: z.enum(['absent', 'valid', 'invalid']),
            code: z.string().nullable(),
            message: z.string().nullable(),
            keyId: z.string().nullable(),
          })
          .strict(),
      )
      .optional(),
    /** Witness cosignatures on the anchoring checkpoint, when the auditor named witness keys (§5.3). */
    witnessing: z
      .object({
        ok: z.boolean(),
        required: z.number(),
        treeSize: z.number().nullable(),
        witnesses: z.array(z.object({ name: z.string(), timestamp: z.number() }).strict()),
        ignored: z.number(),
        error: z.object({ code: z.string(), message: z.string() }).strict().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const BundleContentsSchema = z
  .object({
    events: z.array(z.object({ seq: z.number(), type: z.string(), time: z.string(), json: z.string() }).strict()),
    eventsOmitted: z.number(),
    policies: z.array(
      z
        .object({
          sha256: z.string(),
          name: z.string(),
          state: z.string(),
          text: z.string(),
          signatures: z.array(
            z
              .object({ role: z.string(), operatorId: z.string(), certificateSha256: z.string(), signedAt: z.string() })
              .strict(),
          ),
        })
        .strict(),
    ),
    certificates: z.array(
      z
        .object({
          sha256: z.string(),
          subject: z.string(),
          issuer: z.string(),
          notBefore: z.string(),
          notAfter: z.string(),
          member: z.string(),
        })
        .strict(),
    ),
    reviews: z.array(
      z.object({ id: z.string(), fromSeq: z.number(), toSeq: z.number(), createdAt: z.string() }).strict(),
    ),
    checkpoints: z.array(z.object({ member: z.string(), size: z.number(), time: z.string() }).strict()),
  })
  .strict();

/**
 * Commands of this domain, merged into the contract table (../commands.ts). Keys are
 * "group.method"; the group becomes window.arx.<group>.
 */
export const bundleCommands = {
  'bundle.export': def({
    summary: 'Export an evidence bundle of a tenant range (or of a fidelity certificate), signed on the operator card.',
    request: z
      .object({
        tenant: z.string().min(1).max(64),
        from: seq.nullable(),
        to: seq.nullable(),
        review: z.string().uuid().nullable(),
        /** The card PIN for the manifest signature (asked for every signature). */
        pin: z.string().min(4).max(16),
        /** File path: the CLI only; the console writes into the data directory's bundles folder. */
        out: z.string().min(1).max(4096).nullable(),
        /**
         * Encrypt to these recipients: each a PEM text holding a key-management certificate and,
         * optionally, the holder's ML-KEM-1024 public key (docs/bundle-format.md, encrypted bundles).
         */
        encryptTo: z.array(z.string().min(1).max(65536)).max(32).default([]),
        /**
         * The console's form of `encryptTo`: paths of recipient files (the same PEM files), read by
         * main after the boundary checked each one.
         */
        recipientFiles: z.array(z.string().min(1).max(4096)).max(32).default([]),
        /** And to the organisation recovery key: its PEM public key (optionally with an ML-KEM-1024 key). */
        recoveryKey: z.string().min(1).max(65536).nullable().default(null),
        /** The form of `recoveryKey` by path (console and CLI): the recovery public key file, PEM or DER. */
        recoveryKeyFile: z.string().min(1).max(4096).nullable().default(null),
        /** The classification marking signed into the manifest and put in the file name (default: the console's banner level). */
        classification: ClassificationLevelSchema.optional(),
      })
      .strict(),
    response: z
      .object({
        path: z.string(),
        sha256: z.string(),
        bytes: z.number(),
        tenantId: z.string(),
        from: z.number(),
        to: z.number(),
        events: z.number(),
        eventBytes: z.number(),
        members: z.number(),
        /** Set when the bundle was encrypted: `sha256` and `bytes` above are the bundle inside. */
        encryption: z
          .object({
            recipients: z.number(),
            hybrid: z.number(),
            bytes: z.number(),
            sha256: z.string(),
            /** Whether the organisation recovery key is among the recipients. */
            recovery: z.boolean().default(false),
          })
          .strict()
          .nullable()
          .default(null),
      })
      .strict(),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'operator', roles: ['isso', 'auditor', 'administrator'], tenant: 'tenant' },
    // A recipient file is a certificate and perhaps an ML-KEM-1024 public key: a few kilobytes.
    files: { recipientFiles: { maxBytes: 64 * 1024 }, recoveryKeyFile: { maxBytes: 64 * 1024 } },
  }),
  'bundle.list': def({
    summary: 'List the evidence bundles in the data directory.',
    request: empty,
    response: z
      .object({
        dir: z.string(),
        bundles: z.array(
          z.object({ name: z.string(), path: z.string(), bytes: z.number(), modifiedAt: z.string() }).strict(),
        ),
      })
      .strict(),
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'none',
      why: "Offline auditors work without a card: names and sizes of files in this workstation's bundles folder.",
    },
  }),
  'bundle.open': def({
    summary:
      'Verify an evidence bundle offline against the configured trust anchors and show what it holds (read-only).',
    request: z
      .object({
        path: z.string().min(1).max(4096),
        maxEvents: z.number().int().min(0).max(5000).nullable(),
        /** The auditor's trust directory (layout of `arx bundle verify --trust`); null: the configured trust anchors. */
        trust: z.string().min(1).max(4096).nullable().default(null),
        /** Accept the bundle's own gateway keys (a warning) when the trust directory pins none. */
        allowUnpinnedGatewayKeys: z.boolean().default(false),
        /**
         * Open an encrypted bundle with the logged-in operator's card (its key-management key, which
         * the card's login authorises); false: an encrypted bundle is refused with BUNDLE_ENCRYPTED_KEY_REQUIRED.
         */
        card: z.boolean().default(false),
        /** With `card`: the holder's sealed ML-KEM-1024 key file, for a hybrid stanza. */
        kemKeyFile: z.string().min(1).max(4096).nullable().default(null),
        /**
         * Open with the organisation recovery private key instead (`arx bundle verify --recovery-key`):
         * its PEM file (EC/RSA, optionally with the ML-KEM-1024 seed); BUNDLE_RECOVERY_KEY_INVALID if it is none.
         */
        recoveryKeyFile: z.string().min(1).max(4096).nullable().default(null),
        /** The recovery key file's passphrase, when it is encrypted (the CLI's ARX_RECOVERY_PASSPHRASE). */
        recoveryPassphrase: z.string().min(1).max(1024).nullable().default(null),
      })
      .strict(),
    response: z
      .object({
        path: z.string(),
        report: BundleReportSchema,
        contents: BundleContentsSchema.nullable(),
        /** Set when the file was an encrypted bundle that was opened: what its envelope said. */
        envelope: z
          .object({ recipients: z.number(), openedBy: z.string(), hybrid: z.boolean() })
          .strict()
          .nullable()
          .default(null),
      })
      .strict(),
    requiresConsent: true,
    offline: 'none',
    access: {
      session: 'none',
      why: 'Offline auditors verify bundles without a card or database: the file and the pinned trust anchors decide. The path is checked at the boundary.',
    },
    // The verifier's own limit on a whole bundle (docs/bundle-format.md, limits).
    files: {
      path: { maxBytes: 64 * 2 ** 30, inside: 'bundles' },
      kemKeyFile: { maxBytes: 64 * 1024 },
      recoveryKeyFile: { maxBytes: 64 * 1024 },
    },
  }),
} as const satisfies Record<string, CommandDef>;

/** Stable error codes of this domain (see ../errors.ts: add at the end, never rename). */
export const BUNDLE_ERROR_CODES = [
  'BUNDLE_OUT_EXISTS',
  'BUNDLE_RANGE_UNAVAILABLE',
  'BUNDLE_RANGE_NOT_CHECKPOINTED',
  'BUNDLE_CHAIN_NOT_CONTIGUOUS',
  'BUNDLE_TRUST_INVALID',
  /** Retired: the registry answers ROLE_REQUIRED from the command's access declaration. */
  'BUNDLE_ROLE_REQUIRED',
  'BUNDLE_PIN_REQUIRED',
  /** A recipient file that is not a certificate or public key the envelope can seal to. */
  'BUNDLE_RECIPIENT_INVALID',
  /** The card (or its ML-KEM key file) does not open what is sealed to it. */
  'BUNDLE_KEY_UNWRAP_FAILED',
  /** An ML-KEM-1024 key, key file or ciphertext that is malformed. */
  'PQ_KEY_INVALID',
  /** A recovery key file (public for export, private for opening) that is not a key, or a wrong passphrase. */
  'BUNDLE_RECOVERY_KEY_INVALID',
] as const;

/** Events of this domain pushed from main to the renderer (merged into ../events.ts). */
export const bundleEvents = {
  'bundle.exportProgress': {
    payload: z
      .object({
        tenantId: z.string(),
        from: seq.nullable(),
        to: seq.nullable(),
        review: z.string().nullable(),
        /** proofs → events (done/total events) → signing (the card) → done. */
        phase: z.enum(['proofs', 'events', 'signing', 'done']),
        done: z.number().int().min(0),
        total: z.number().int().min(0),
      })
      .strict(),
    summary: 'Progress of a bundle export (a few times a second while events are written, and at each phase).',
  },
} as const;
