// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import * as cedar from '../policy/cedar-node';
import { X509Certificate, X509Crl } from '@peculiar/x509';
import { createHash, X509Certificate as NodeX509, verify as cryptoVerify } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { bytesEqual, fromBase64, fromHex, toHex } from '../../../shared/bytes';
import {
  BUNDLE_CHECKS,
  BUNDLE_FORMAT,
  BUNDLE_MAGIC_TEXT,
  BUNDLE_VERSION,
  BundleFatal,
  ConsistencySchema,
  DEFAULT_LIMITS,
  EVENT_RECORD_HEADER,
  EventRecordScanner,
  EventsMalformed,
  GatewayKeysSchema,
  Needle,
  MANIFEST_PAYLOAD_TYPE,
  ManifestSchema,
  PolicyMetaSchema,
  RangeSchema,
  ReviewSchema,
  TarReader,
  TRAILER,
  memberKind,
  isJsonText,
  parseStrictJson,
  type BundleCheckId,
  type BundleFinding,
  type BundleLimits,
  type BundleRange,
  type BundleReport,
  type Manifest,
  type PolicyMeta,
  type BundleReview,
} from '../../../shared/bundle';
import {
  ChainVerifier,
  genesisHash,
  IntactChain,
  type Blake3,
  type ChainAnchor,
  type ChainCheckpoint,
} from '../../../shared/chain';
import { openArxCheckpoint, parseVerifierKey, verifyTlogProof, type NoteVerifier } from '../../../shared/checkpoint';
import { DsseEnvelopeSchema, pae, type DsseEnvelope } from '../../../shared/dsse';
import { verifyConsistency } from '../../../shared/merkle';
import {
  checkSignedVersion,
  compilePolicySet,
  policyVersionDigest,
  type PolicyDecidedData,
  type PolicyEngine,
} from '../../../shared/policy';
import { StreamingReplay, type DecisionFinding } from '../review/replay-stream';
import { nodeEd25519Verifier } from '../chain/node-crypto';
import type { TrustStore } from '../pki/trust-store';
import { validateCertificate, type ValidationPolicy } from '../pki/validate';
import { isPinned, type GatewayPins } from './gateway-pins';
import { checkReviewSubject, prefixRootFromTlogProof, subjectSeqs } from './review-subject';
import { loadHashKernel } from '../chain/hash-kernel';
import type { EventDigestTally } from './hash-protocol';
import {
  inlineMemberHasher,
  loadEventDigester,
  readFileShared,
  workerMemberHasher,
  type MemberStreamHasher,
} from './member-hasher';

/** What the auditor trusts: their own anchors (and CRLs/intermediates), never the bundle's. */
export interface BundleTrust {
  store: TrustStore;
  policy: ValidationPolicy;
  /** Gateway keys the auditor pins (gateway-pins.ts); absent: the bundle's keys, vouched for by the exporter only. */
  gatewayPins?: GatewayPins | null;
}

export interface VerifyBundleOptions {
  trust: BundleTrust;
  blake3: Blake3;
  limits?: Partial<BundleLimits>;
  /** `again`: the second pass of a bundle that is not intact (one thread, for the exact findings; see eventDigestsInWorker). */
  onProgress?: (p: { bytes: number; total: number; events: number; again?: boolean }) => void;
  /** Keep the bundle's events (up to this many), policies and certificates for a read-only view. */
  collect?: { maxEvents: number };
  /** Findings listed per check; the rest are counted. */
  maxFindings?: number;
  /** Re-decide every com.arx.policy.decided event with Cedar (default true; off only for benchmarks). */
  replayDecisions?: boolean;
  /** Hash events.bin (SHA-256 and BLAKE3 of the member) in the worker thread (default true). */
  hashWorker?: boolean;
  /**
   * With the hash worker: the worker also checks every event digest d_i, and this thread takes the
   * stored digests as the computed ones (default true). When the worker finds any digest that
   * differs, the bundle is verified again with the digests computed on this thread, so that the
   * report is exactly the one-thread report (the chain verifier classifies a changed event by
   * its computed digest).
   */
  eventDigestsInWorker?: boolean;
  /**
   * With the event digests checked in the worker: the chain is checked by IntactChain (shared/chain/
   * intact.ts), which allocates nothing per event but only tells whether everything is intact
   * (default true). At the first row it does not accept, reading stops and the bundle is verified
   * again with ChainVerifier and the digests computed on this thread, for the exact findings.
   */
  chainFastPath?: boolean;
}

/** Thrown inside the read loop when the intact-chain path meets a row it does not accept. */
class ChainNotIntact extends Error {}

/** The second pass: every d_i on this thread and ChainVerifier from the first row; its progress says so. */
function verifyAgain(path: string, opts: VerifyBundleOptions): Promise<VerifiedBundle> {
  const progress = opts.onProgress;
  return verifyBundle(path, {
    ...opts,
    eventDigestsInWorker: false,
    ...(progress ? { onProgress: (p) => progress({ ...p, again: true }) } : {}),
  });
}

/** Bytes of events.bin handed to the hash worker and not hashed yet, at most. */
const HASH_INFLIGHT_MAX = 16 << 20;

export interface BundleContents {
  events: { seq: number; type: string; time: string; json: string }[];
  eventsOmitted: number;
  policies: {
    sha256: string;
    name: string;
    state: string;
    text: string;
    signatures: { role: string; operatorId: string; certificateSha256: string; signedAt: string }[];
  }[];
  certificates: {
    sha256: string;
    subject: string;
    issuer: string;
    notBefore: string;
    notAfter: string;
    member: string;
  }[];
  reviews: { id: string; fromSeq: number; toSeq: number; createdAt: string }[];
  checkpoints: { member: string; size: number; time: string }[];
}

export type VerifiedBundle = BundleReport & { contents?: BundleContents };

interface MemberSeen {
  name: string;
  size: number;
  sha256: string;
  blake3: string;
  index: number;
}

const DECIDED = new Needle(new TextEncoder().encode('"type":"com.arx.policy.decided"'));

class Checks {
  private readonly results = new Map<BundleCheckId, { checked: number; findings: BundleFinding[]; omitted: number }>();
  constructor(private readonly max: number) {
    for (const c of BUNDLE_CHECKS) this.results.set(c.id, { checked: 0, findings: [], omitted: 0 });
  }
  count(id: BundleCheckId, n = 1): void {
    this.results.get(id)!.checked += n;
  }
  fail(id: BundleCheckId, code: string, message: string, location: Record<string, string | number>): void {
    const r = this.results.get(id)!;
    if (r.findings.length < this.max) r.findings.push({ code, message, location });
    else r.omitted++;
  }
  report() {
    return BUNDLE_CHECKS.map((c) => {
      const r = this.results.get(c.id)!;
      return {
        id: c.id,
        label: c.label,
        ok: r.findings.length === 0 && r.omitted === 0,
        checked: r.checked,
        findings: r.findings,
        omitted: r.omitted,
      };
    });
  }
}

function emptyReport(bytes: number, compressed: boolean): BundleReport {
  return {
    ok: false,
    fatal: null,
    format: null,
    summary: {
      tenantId: null,
      tenantSlug: null,
      from: null,
      to: null,
      events: 0,
      eventBytes: 0,
      checkpoints: 0,
      policyVersions: 0,
      reviews: 0,
      certificates: 0,
      crls: 0,
      signer: null,
      createdAt: null,
      bytes,
      compressed,
    },
    checks: [],
    warnings: [],
  };
}

function verifyDsse(env: DsseEnvelope, cert: NodeX509): { ok: boolean; payload: Uint8Array | null } {
  const payload = fromBase64(env.payload);
  if (!payload) return { ok: false, payload: null };
  const input = pae(env.payloadType, payload);
  const ok = env.signatures.some((s) => {
    const sig = fromBase64(s.sig);
    if (!sig) return false;
    try {
      return cryptoVerify('sha256', input, { key: cert.publicKey, dsaEncoding: 'der' }, sig);
    } catch {
      return false;
    }
  });
  return { ok, payload };
}

/**
 * Verifies an evidence bundle offline (docs/bundle-format.md §5): no database, no card, no
 * network. The file is read once, as a stream, never extracted: members are hashed as they pass;
 * the small ones are kept in memory (bounded by the limits), events.bin flows through the chain
 * verifier and the decision replay. Never throws for a bad file: a file that is not a usable
 * bundle gives `fatal` (exit 2), anything else a finding under its check (exit 1).
 */
export async function verifyBundle(path: string, opts: VerifyBundleOptions): Promise<VerifiedBundle> {
  let fileSize = 0;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a regular file');
    fileSize = st.size;
  } catch (e) {
    const r = emptyReport(0, false);
    r.fatal = {
      code: 'BUNDLE_UNREADABLE',
      message: `Cannot read ${path}: ${(e as Error).message}`,
      location: { file: path },
    };
    return r;
  }
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const maxFindings = opts.maxFindings ?? 100;
  const checks = new Checks(maxFindings);
  const b3 = opts.blake3;
  const eventDigestOf = await loadEventDigester();
  // Chain links (one 84-byte BLAKE3 a row) through hash-wasm's C exports: a third of the cost of
  // its IHasher wrapper per call (electron/main/chain/hash-kernel.ts). Same BLAKE3, same digests.
  const kernel = await loadHashKernel();
  const linkBlake3 = kernel.blake3;
  const digestsInWorker = opts.hashWorker !== false && opts.eventDigestsInWorker !== false;
  const fastChain = digestsInWorker && opts.chainFastPath !== false;
  // What the worker found checking the event digests (set when events.bin's digests arrive).
  let workerTally: EventDigestTally | null | undefined;
  const seen = new Map<string, MemberSeen>();
  const order: MemberSeen[] = [];
  const small = new Map<string, Uint8Array>();
  let smallTotal = 0;
  let lastRank = -1;

  // Parsed state, filled as members arrive (their order is fixed by the format).
  let range: BundleRange | null = null;
  const verifiers: NoteVerifier[] = [];
  // Bundle keys the auditor did not pin (only when they pinned some): never trusted, only named.
  const unpinned: NoteVerifier[] = [];
  const pins = opts.trust.gatewayPins ?? null;
  // Review subjects (check 7): MTH(h_0 … h_to) from the verified proof-end, and the chain hashes at the seqs they name.
  let endRoot: Uint8Array | null = null;
  const subjectHashes = new Map<number, Uint8Array | null>();
  const windows = new Map<string, { from: Date; to: Date | null }>();
  const checkpoints: (ChainCheckpoint & { member: string; time: string; verified: boolean })[] = [];
  const anchors: ChainAnchor[] = [];
  let startTrusted: Uint8Array | null = null;
  const policies = new Map<string, { text?: Uint8Array; meta?: PolicyMeta; engine?: PolicyEngine | null }>();
  const reviews: (BundleReview & { member: string })[] = [];
  const certs = new Map<string, { der: Uint8Array; x: X509Certificate; node: NodeX509; member: string }>();
  const crls: X509Crl[] = [];
  let chain: ChainVerifier | null = null;
  let intact: IntactChain | null = null;
  let events: EventRecordScanner | null = null;
  let eventCount = 0;
  let eventBytes = 0;
  let lastSeq = -1;
  let eventsProblem = false;
  const contents: BundleContents | undefined = opts.collect
    ? { events: [], eventsOmitted: 0, policies: [], certificates: [], reviews: [], checkpoints: [] }
    : undefined;
  const missingVersions = new Set<string>();
  let decisions = 0;
  // The decision needle's offsets in the events.bin chunk being parsed, and that chunk's extent.
  const needles: number[] = [];
  let needleAt = 0;
  let chunkFrom = 0;
  let chunkTo = 0;
  let eventsFed = 0;
  // Decisions are replayed on the console's shared replay pool (review/replay-stream.ts), in batches.
  let decisionReplay: StreamingReplay | null = null;

  const jsonOf = (name: string, bytes: Uint8Array): unknown => {
    const p = parseStrictJson(bytes, name, limits.maxJsonDepth);
    if (!p.ok) {
      checks.fail('members', p.error.code, p.error.message, p.error.location);
      return undefined;
    }
    return p.value;
  };
  const schemaOf = <T>(
    name: string,
    v: unknown,
    schema: {
      safeParse(
        v: unknown,
      ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
    },
  ): T | undefined => {
    if (v === undefined) return undefined;
    const r = schema.safeParse(v);
    if (r.success) return r.data;
    const i = r.error.issues[0]!;
    checks.fail(
      'members',
      'BUNDLE_MEMBER_INVALID',
      `${name}: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
      { member: name, path: i.path.map(String).join('.') },
    );
    return undefined;
  };

  const keyWindowOk = (keyName: string, time: string): boolean => {
    const w = windows.get(keyName);
    const t = new Date(time);
    return !!w && t >= w.from && (w.to === null || t < w.to);
  };

  const onSmall = (name: string, kind: string, bytes: Uint8Array): void => {
    switch (kind) {
      case 'magic': {
        const text = new TextDecoder('latin1').decode(bytes);
        if (text !== BUNDLE_MAGIC_TEXT) {
          const v = /^arx-bundle\/([^\n]{0,20})\n?$/.exec(text);
          if (v)
            throw new BundleFatal(
              'BUNDLE_VERSION_UNKNOWN',
              `bundle format version ${JSON.stringify(v[1])} is not known to this verifier (it knows version ${BUNDLE_VERSION})`,
              { member: name },
            );
          throw new BundleFatal('BUNDLE_NOT_A_BUNDLE', 'the first member is not the ARX bundle marker', {
            member: name,
          });
        }
        return;
      }
      case 'range':
        range = schemaOf(name, jsonOf(name, bytes), RangeSchema) ?? null;
        return;
      case 'gateway-keys': {
        const keys = schemaOf(name, jsonOf(name, bytes), GatewayKeysSchema) ?? [];
        for (const [i, k] of keys.entries()) {
          const parsed = parseVerifierKey(k.verifierKey);
          if (!parsed.ok || parsed.value.name !== k.name) {
            checks.fail(
              'checkpoints',
              'GATEWAY_KEY_INVALID',
              `gateway key ${k.name.slice(0, 80)}: ${parsed.ok ? 'the key text names another key' : parsed.error.message}`,
              { member: name, index: i },
            );
            continue;
          }
          const from = new Date(k.validFrom);
          const to = k.validTo === null ? null : new Date(k.validTo);
          if (Number.isNaN(from.getTime()) || (to && Number.isNaN(to.getTime()))) {
            checks.fail(
              'checkpoints',
              'GATEWAY_KEY_INVALID',
              `gateway key ${k.name.slice(0, 80)}: its validity window is not a pair of times`,
              { member: name, index: i },
            );
            continue;
          }
          (pins && !isPinned(pins, k.name, parsed.value.publicKey) ? unpinned : verifiers).push(
            nodeEd25519Verifier(k.name, parsed.value.publicKey),
          );
          windows.set(k.name, { from, to });
        }
        return;
      }
      case 'checkpoint': {
        checks.count('checkpoints');
        if (!range) {
          checks.fail(
            'checkpoints',
            'CHECKPOINT_MALFORMED',
            `${name}: no valid range.json names the tenant it must belong to`,
            { member: name },
          );
          return;
        }
        const opened = openArxCheckpoint(bytes, verifiers, { tenantId: range.tenantId });
        if (!opened.ok && unpinned.length && openArxCheckpoint(bytes, unpinned, { tenantId: range.tenantId }).ok) {
          checks.fail(
            'checkpoints',
            'GATEWAY_KEY_NOT_PINNED',
            `${name} is signed by a gateway key from the bundle that is not among the auditor's pinned gateway keys (${pins!.file})`,
            { member: name },
          );
          return;
        }
        if (!opened.ok) {
          const e = opened.error;
          const code =
            e.code === 'NOTE_UNVERIFIED' || e.code === 'NOTE_NO_SIGNATURES'
              ? 'CHECKPOINT_KEY_UNKNOWN'
              : e.code === 'NOTE_SIGNATURE_INVALID'
                ? 'CHECKPOINT_SIGNATURE_INVALID'
                : 'CHECKPOINT_MALFORMED';
          checks.fail('checkpoints', code, `${name}: ${e.message}`, {
            member: name,
            ...(e.details?.line !== undefined ? { line: e.details.line } : {}),
            reason: e.code,
          });
          return;
        }
        const cp = opened.value.checkpoint;
        const signer = opened.value.note.verifiedBy[0]!.name;
        if (!keyWindowOk(signer, cp.time)) {
          checks.fail(
            'checkpoints',
            'CHECKPOINT_KEY_OUTSIDE_WINDOW',
            `${name} was signed at ${cp.time}, outside the validity window of key ${signer}`,
            { member: name, key: signer },
          );
          return;
        }
        checkpoints.push({ size: cp.size, root: cp.root, head: cp.head, member: name, time: cp.time, verified: true });
        contents?.checkpoints.push({ member: name, size: cp.size, time: cp.time });
        return;
      }
      case 'consistency': {
        const list = schemaOf(name, jsonOf(name, bytes), ConsistencySchema) ?? [];
        const byIndex = new Map(checkpoints.map((c) => [Number(c.member.slice(11, 17)), c]));
        for (const [i, c] of list.entries()) {
          checks.count('proofs');
          const a = byIndex.get(c.checkpoint - 1);
          const b = byIndex.get(c.checkpoint);
          if (!a || !b || a.size !== c.fromSize || b.size !== c.toSize) {
            checks.fail(
              'proofs',
              'CHECKPOINT_CONSISTENCY_INVALID',
              `consistency proof #${i} does not name two consecutive verified checkpoints of sizes ${c.fromSize} and ${c.toSize}`,
              { member: name, index: i },
            );
            continue;
          }
          const proof = c.proof.map((p) => fromBase64(p) ?? new Uint8Array(0));
          const v = verifyConsistency(a.size, b.size, proof, a.root, b.root);
          if (!v.ok)
            checks.fail(
              'proofs',
              'CHECKPOINT_CONSISTENCY_INVALID',
              `checkpoint of size ${b.size} is not an append-only extension of the one of size ${a.size}: ${v.error.message}`,
              { member: name, index: i, reason: v.error.code },
            );
        }
        const verified = checkpoints.length;
        if (list.length < verified - 1)
          checks.fail(
            'proofs',
            'PROOF_MISSING',
            `${verified - 1 - list.length} consistency proof(s) between the bundle's checkpoints are missing`,
            { member: name },
          );
        return;
      }
      case 'proof': {
        checks.count('proofs');
        if (!range) return;
        const start = name === 'proof-start.tlog-proof';
        const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
        const index = start ? range.from - 1 : range.to;
        const hash = fromHex(start ? range.prevHash : range.lastHash)!;
        const v = verifyTlogProof(text, hash, verifiers, { tenantId: range.tenantId, index });
        if (!v.ok) {
          checks.fail('proofs', 'PROOF_INVALID', `${name}: ${v.error.message}`, {
            member: name,
            reason: v.error.code,
            ...(v.error.details?.line !== undefined ? { line: v.error.details.line } : {}),
          });
          return;
        }
        if (start) startTrusted = hash;
        else {
          anchors.push({ seq: range.to, hash });
          endRoot = prefixRootFromTlogProof(text, hash);
        }
        return;
      }
      case 'policy': {
        const sha = name.slice(7, 71);
        const entry = policies.get(sha) ?? {};
        policies.set(sha, entry);
        if (name.endsWith('.cedar')) entry.text = bytes;
        else entry.meta = schemaOf(name, jsonOf(name, bytes), PolicyMetaSchema);
        return;
      }
      case 'review': {
        const r = schemaOf(name, jsonOf(name, bytes), ReviewSchema);
        if (r) reviews.push({ ...r, member: name });
        return;
      }
      case 'cert':
      case 'signer': {
        const sha = createHash('sha256').update(bytes).digest('hex');
        if (kind === 'cert' && sha !== name.slice(5, 69)) {
          checks.fail(
            'certificates',
            'BUNDLE_MEMBER_INVALID',
            `${name}: its SHA-256 is ${sha}, not the one in its name`,
            { member: name },
          );
          return;
        }
        try {
          const x = new X509Certificate(bytes.slice() as Uint8Array<ArrayBuffer>);
          certs.set(sha, { der: bytes, x, node: new NodeX509(bytes), member: name });
        } catch (e) {
          checks.fail(
            'certificates',
            'CERT_MALFORMED',
            `${name} is not a DER X.509 certificate: ${(e as Error).message.slice(0, 120)}`,
            { member: name },
          );
        }
        return;
      }
      case 'crl':
        try {
          crls.push(new X509Crl(bytes.slice() as Uint8Array<ArrayBuffer>));
        } catch (e) {
          checks.fail(
            'certificates',
            'CRL_MALFORMED',
            `${name} is not a DER CRL: ${(e as Error).message.slice(0, 120)}`,
            { member: name },
          );
        }
        return;
      default:
        return;
    }
  };

  const engineFor = (sha: string): PolicyEngine | null => {
    const p = policies.get(sha);
    if (!p) return null;
    if (p.engine !== undefined) return p.engine;
    p.engine = null;
    if (!p.text || !p.meta) return null;
    const text = new TextDecoder().decode(p.text);
    const key = createHash('sha256')
      .update(JSON.stringify([text, p.meta.schemaText, p.meta.tests]))
      .digest('hex');
    let compiled = engineCache.get(key);
    if (!compiled) {
      compiled = compilePolicySet(cedar, text, { schema: p.meta.schemaText, tests: p.meta.tests, validate: false });
      if (engineCache.size > 64) engineCache.clear();
      engineCache.set(key, compiled);
    }
    if (compiled.ok && compiled.value.version.sha256 === sha) p.engine = compiled.value;
    return p.engine;
  };

  /** Waits for the replayed decisions and records their findings in seq order (as replaying them one by one here would). */
  const finishReplay = async (): Promise<void> => {
    const replay = decisionReplay;
    if (!replay) return;
    decisionReplay = null;
    const { findings, omitted } = await replay.finish((e): DecisionFinding =>
      e.problem
        ? {
            seq: e.seq,
            code: 'DECISION_REPLAY_FAILED',
            message: `decision seq ${e.seq} could not be replayed: ${e.problem.message.slice(0, 200)}`,
            location: { member: 'events.bin', seq: e.seq, reason: e.problem.code },
          }
        : {
            seq: e.seq,
            code: 'DECISION_MISMATCH',
            message: `decision seq ${e.seq} replays differently (${e.differences.join(', ')}): recorded ${e.recorded?.decision}, replayed ${e.recomputed?.decision}`,
            location: { member: 'events.bin', seq: e.seq },
          },
    );
    for (const f of findings) checks.fail('decisions', f.code, f.message, f.location);
    // Beyond the listed ones (the list is full by then): counted as omitted.
    for (let i = 0; i < omitted; i++) checks.fail('decisions', 'DECISION_MISMATCH', '', {});
  };

  const startEvents = (name: string): void => {
    if (!range) {
      checks.fail('chain', 'EVENTS_RANGE_MISMATCH', 'events.bin cannot be checked: range.json is missing or invalid', {
        member: name,
      });
      return;
    }
    const r = range;
    if (r.from > 0 && !startTrusted)
      checks.fail(
        'proofs',
        'PROOF_MISSING',
        `no verified proof-start.tlog-proof ties h_${r.from - 1} to a signed checkpoint`,
        { member: 'proof-start.tlog-proof' },
      );
    if (r.from === 0 && r.prevHash !== toHex(genesisHash(b3, r.tenantId)))
      checks.fail('chain', 'MANIFEST_RANGE_MISMATCH', 'range.json: prevHash is not the genesis hash of the tenant', {
        member: 'range.json',
      });
    if (!anchors.some((a) => a.seq === r.to))
      checks.fail('proofs', 'PROOF_MISSING', `no verified proof-end.tlog-proof ties h_${r.to} to a signed checkpoint`, {
        member: 'proof-end.tlog-proof',
      });
    const inRange = checkpoints
      .filter((c) => c.size - 1 >= r.from && c.size - 1 <= r.to)
      .map((c) => ({ seq: c.size - 1, hash: c.head }));
    for (const rv of reviews) for (const s of subjectSeqs(rv)) if (s >= r.from && s <= r.to) subjectHashes.set(s, null);
    const allAnchors = [...anchors, ...inRange];
    if (fastChain)
      intact = new IntactChain({
        start: { seq: r.from, prevHash: r.from === 0 ? genesisHash(b3, r.tenantId) : fromHex(r.prevHash)! },
        anchors: allAnchors,
        hasher: kernel,
      });
    else {
      chain = new ChainVerifier({
        start: r.from === 0 ? { tenantId: r.tenantId } : { seq: r.from, prevHash: fromHex(r.prevHash)! },
        blake3: linkBlake3,
        anchors: allAnchors,
        maxIssues: maxFindings,
      });
    }
    // One call per event, with positions (EventRecordScanner): a view is made only where one is used.
    events = new EventRecordScanner((buf, at, seq, len, offset) => {
      eventCount++;
      eventBytes += len;
      lastSeq = seq;
      const b = at + EVENT_RECORD_HEADER;
      if (intact) {
        // The worker checks every d_i; here the links from the stored digests, and the anchors.
        if (!intact.row(seq, buf, at + 12, at + 44)) throw new ChainNotIntact();
      } else {
        // With the worker checking every d_i, the stored digest stands for the computed one here;
        // if any differs the whole bundle is verified again with d_i computed here (below).
        const bytes = buf.subarray(b, b + len);
        const digest = buf.subarray(at + 12, at + 44);
        chain!.push({
          seq,
          bytes,
          digest,
          hash: buf.subarray(at + 44, b),
          computedDigest: digestsInWorker ? digest : eventDigestOf(bytes),
        });
      }
      if (subjectHashes.size && subjectHashes.has(seq)) subjectHashes.set(seq, buf.slice(at + 44, b));
      const collect = contents && contents.events.length < opts.collect!.maxEvents;
      if (!collect && contents) contents.eventsOmitted++;
      // Does the event contain the decision needle? Found per chunk (below); per event only for
      // an event that spans two chunks.
      const start = offset + EVENT_RECORD_HEADER;
      const end = start + len;
      let decided: boolean;
      if (start >= chunkFrom && end <= chunkTo) {
        while (needleAt < needles.length && needles[needleAt]! < start) needleAt++;
        decided = needleAt < needles.length && needles[needleAt]! + DECIDED.length <= end;
      } else decided = DECIDED.indexIn(buf, b, b + len) >= 0;
      if (!decided && !collect) return;
      const rec = { seq, bytes: buf.subarray(b, b + len), offset };
      if (!collect && opts.replayDecisions === false) {
        // Not re-decided: only whether it is JSON matters (EVENTS_MALFORMED), and that is checked
        // without building the value (isJsonText says what JSON.parse would).
        if (!isJsonText(rec.bytes))
          checks.fail('decisions', 'EVENTS_MALFORMED', `event seq ${rec.seq} is not JSON`, {
            member: 'events.bin',
            seq: rec.seq,
            offset: rec.offset,
          });
        return;
      }
      const bytes = Buffer.from(rec.bytes.buffer, rec.bytes.byteOffset, rec.bytes.length);
      let ev: { type?: string; time?: string; data?: PolicyDecidedData };
      try {
        ev = JSON.parse(bytes.toString('utf8')) as typeof ev;
      } catch {
        const f = {
          seq: rec.seq,
          code: 'EVENTS_MALFORMED',
          message: `event seq ${rec.seq} is not JSON`,
          location: { member: 'events.bin', seq: rec.seq, offset: rec.offset },
        };
        if (decisionReplay) decisionReplay.defer(f);
        else checks.fail('decisions', f.code, f.message, f.location);
        return;
      }
      if (collect)
        contents.events.push({
          seq: rec.seq,
          type: String(ev.type ?? ''),
          time: String(ev.time ?? ''),
          json: bytes.toString('utf8'),
        });
      if (ev.type !== 'com.arx.policy.decided' || !ev.data || opts.replayDecisions === false) return;
      decisions++;
      checks.count('decisions');
      const sha = String(ev.data.policyVersion?.sha256 ?? '');
      const engine = engineFor(sha);
      if (!engine || !decisionReplay) {
        if (!missingVersions.has(sha)) {
          missingVersions.add(sha);
          decisionReplay?.defer({
            seq: rec.seq,
            code: 'POLICY_VERSION_MISSING',
            message: `decisions name policy version ${sha.slice(0, 64)}, which the bundle does not carry (or does not compile)`,
            location: { member: 'events.bin', seq: rec.seq },
          });
        }
        return;
      }
      // Replayed in the pool's workers (the bytes are copied); findings come back in finishReplay.
      decisionReplay.push(rec.seq, rec.bytes);
    }, limits.maxEventBytes);
    if (opts.replayDecisions !== false) {
      // Every version the bundle carries that compiles to its digest; a decision naming another is POLICY_VERSION_MISSING above.
      const versions = [...policies.keys()].flatMap((sha) => {
        const engine = engineFor(sha);
        const p = policies.get(sha)!;
        return engine && p.text && p.meta
          ? [
              {
                sha256: sha,
                blake3: engine.version.blake3,
                text: new TextDecoder().decode(p.text),
                schema: p.meta.schemaText,
                tests: p.meta.tests,
              },
            ]
          : [];
      });
      decisionReplay = new StreamingReplay(versions, { cap: maxFindings, compare: 'exact' });
    }
  };

  // Small members are hashed here as they pass; events.bin (nearly all the bytes) by the hash
  // worker on another core, while this thread parses its records and checks the chain.
  let current: {
    name: string;
    kind: string;
    size: number;
    hasher: MemberStreamHasher;
    buf: Uint8Array | null;
    fill: number;
    index: number;
  } | null = null;
  let streamHasher: MemberStreamHasher | null = null;
  const pendingDigests: Promise<void>[] = [];
  const tar = new TarReader(
    {
      begin(name, size, index) {
        if (index === 0 && name !== 'ARX-BUNDLE')
          throw new BundleFatal(
            'BUNDLE_NOT_A_BUNDLE',
            `the file is a tar archive but not an ARX bundle (its first member is "${name.slice(0, 60)}", not ARX-BUNDLE)`,
            { member: name },
          );
        if (seen.has(name))
          throw new BundleFatal('BUNDLE_MEMBER_DUPLICATE', `member "${name}" appears twice`, { member: name, index });
        const { kind, rank } = memberKind(name);
        if (rank >= 0) {
          if (rank < lastRank)
            throw new BundleFatal(
              'BUNDLE_MEMBER_ORDER',
              `member "${name}" is out of order (docs/bundle-format.md §3 fixes the order)`,
              { member: name, index },
            );
          lastRank = rank;
        }
        const streamed = kind === 'events' || kind === 'unknown';
        if (!streamed) {
          if (size > limits.maxMemberBytes)
            throw new BundleFatal(
              'BUNDLE_MEMBER_TOO_LARGE',
              `member "${name}" declares ${size} bytes (limit ${limits.maxMemberBytes})`,
              { member: name },
            );
          smallTotal += size;
          if (smallTotal > limits.maxSmallBytes)
            throw new BundleFatal(
              'BUNDLE_TOO_LARGE',
              `the bundle's small members exceed ${limits.maxSmallBytes} bytes together`,
              { member: name },
            );
        }
        if (kind === 'events') startEvents(name);
        const checkDigests = kind === 'events' && events !== null && digestsInWorker;
        const hasher =
          streamed && opts.hashWorker !== false
            ? (streamHasher = workerMemberHasher(
                checkDigests ? { maxEventBytes: limits.maxEventBytes, sha256OnSender: true } : undefined,
              ))
            : inlineMemberHasher(b3);
        current = { name, kind, size, hasher, buf: streamed ? null : new Uint8Array(size), fill: 0, index };
      },
      data(chunk) {
        const c = current!;
        c.hasher.update(chunk);
        if (c.buf) {
          c.buf.set(chunk, c.fill);
          c.fill += chunk.length;
        } else if (c.kind === 'events' && events && !eventsProblem) {
          // Where the decision needle occurs in this chunk (events.bin offsets), for the records it completes.
          needles.length = 0;
          needleAt = 0;
          for (let p = DECIDED.indexIn(chunk); p >= 0; p = DECIDED.indexIn(chunk, p + 1)) needles.push(eventsFed + p);
          chunkFrom = eventsFed;
          chunkTo = eventsFed += chunk.length;
          try {
            events.push(chunk);
          } catch (e) {
            eventsProblem = true;
            if (e instanceof EventsMalformed)
              checks.fail('chain', e.code, e.message, { member: 'events.bin', offset: e.offset });
            else throw e;
          }
        }
      },
      end() {
        const c = current!;
        current = null;
        const m: MemberSeen = { name: c.name, size: c.size, sha256: '', blake3: '', index: c.index };
        const digested = c.hasher.digest().then((d) => {
          m.sha256 = d.sha256;
          m.blake3 = d.blake3;
          if (d.events !== undefined) workerTally = d.events;
        });
        digested.catch(() => {}); // awaited after the read; a bundle that turns out unusable never asks
        pendingDigests.push(digested);
        if (c.hasher === streamHasher) streamHasher = null;
        seen.set(c.name, m);
        order.push(m);
        if (c.buf) {
          small.set(c.name, c.buf);
          onSmall(c.name, c.kind, c.buf);
        } else if (c.kind === 'events' && events && !eventsProblem) {
          try {
            events.end();
          } catch (e) {
            eventsProblem = true;
            if (e instanceof EventsMalformed)
              checks.fail('chain', e.code, e.message, { member: 'events.bin', offset: e.offset });
            else throw e;
          }
        }
      },
    },
    limits,
  );

  // Read the file (gunzip when it is gzip-compressed, with ratio and size limits).
  const compressed = await isGzip(path);
  const report = emptyReport(fileSize, compressed);
  let lastProgress = 0;
  try {
    if (compressed) {
      const header = await readHead(path, 10);
      if (header[2] !== 8 || header[3] !== 0)
        throw new BundleFatal(
          'BUNDLE_COMPRESSION_INVALID',
          'the gzip header uses flags or a method other than plain deflate',
          { offset: 2 },
        );
    }
    // Uncompressed (what the exporter writes): read into shared memory, so that the hash worker
    // hashes events.bin where it lies; gzip: through the inflater, and the worker gets copies.
    const file = compressed ? createReadStream(path, { highWaterMark: 1 << 20 }) : null;
    let inBytes = 0;
    let outBytes = 0;
    let source: AsyncIterable<Uint8Array> = file ?? readFileShared(path);
    if (file) {
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          inBytes += chunk.length;
          done(null, chunk);
        },
      });
      source = file.pipe(counter).pipe(createGunzip({ chunkSize: 1 << 20 }));
      counter.on('error', (e) => (source as unknown as NodeJS.ReadableStream).emit('error', e));
      file.on('error', (e) => (source as unknown as NodeJS.ReadableStream).emit('error', e));
    }
    try {
      for await (const chunk of source) {
        outBytes += chunk.length;
        if (!compressed) inBytes = outBytes;
        if (compressed && outBytes > limits.ratioGraceBytes && outBytes > inBytes * limits.maxCompressionRatio) {
          throw new BundleFatal(
            'BUNDLE_COMPRESSION_RATIO',
            `the gzip stream expands more than ${limits.maxCompressionRatio}:1 (${outBytes} bytes from ${inBytes}): a compression bomb`,
            { offset: inBytes },
          );
        }
        tar.push(chunk);
        await (decisionReplay as StreamingReplay | null)?.drain();
        // Let the event loop run between reads. The reads, the hash worker's hand-over and the
        // awaits above settle as microtasks, so without this a verification that keeps ahead of its
        // workers never lets a message in: the replay pool's "ready" (its decisions were then all
        // replayed on this thread, the pool idle: 1M events, 9.2 s of CPU here, workers unused),
        // and in the console the IPC of the window.
        await new Promise<void>((resolve) => setImmediate(resolve));
        // Bounded hand-over to the hash worker: memory stays flat however large events.bin is.
        const sh = streamHasher as MemberStreamHasher | null; // set by the tar callbacks
        if (sh && sh.inflight > HASH_INFLIGHT_MAX) await sh.drain(HASH_INFLIGHT_MAX / 2);
        if (opts.onProgress && outBytes - lastProgress > 64 << 20) {
          lastProgress = outBytes;
          opts.onProgress({ bytes: inBytes, total: fileSize, events: eventCount });
        }
      }
    } finally {
      file?.destroy();
      (streamHasher as MemberStreamHasher | null)?.abort();
    }
    tar.end();
    await Promise.all(pendingDigests);
    if (digestsInWorker && (chain !== null || intact !== null)) {
      const t = workerTally as EventDigestTally | null | undefined;
      // Some event does not hash to its stored digest (or the worker could not say), or the chain
      // is not intact to its end (an anchor beyond the last row; events.bin malformed): verify
      // again with every d_i computed on this thread and ChainVerifier, for the exact findings.
      const notIntact = intact !== null && (eventsProblem || !(intact as IntactChain).finish().ok);
      if (!t || t.mismatches > 0 || t.checked !== eventCount || notIntact) {
        (decisionReplay as StreamingReplay | null)?.close();
        return verifyAgain(path, opts);
      }
    }
    await finishReplay();
  } catch (e) {
    (decisionReplay as StreamingReplay | null)?.close();
    // A row the intact-chain path does not accept: reading stopped there; verify again for the findings.
    if (e instanceof ChainNotIntact) return verifyAgain(path, opts);
    if (e instanceof BundleFatal) report.fatal = { code: e.code, message: e.message, location: e.location };
    else {
      const code = (e as { code?: string }).code;
      if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test((e as Error).message))
        report.fatal = {
          code: 'BUNDLE_TRUNCATED',
          message: 'the gzip stream ends early',
          location: { offset: fileSize },
        };
      else if (typeof code === 'string' && code.startsWith('Z_'))
        report.fatal = {
          code: 'BUNDLE_COMPRESSION_INVALID',
          message: `the gzip stream is corrupt: ${(e as Error).message}`,
          location: {},
        };
      else
        report.fatal = {
          code: 'BUNDLE_UNREADABLE',
          message: `Cannot read ${path}: ${(e as Error).message}`,
          location: { file: path },
        };
    }
    return report;
  }
  opts.onProgress?.({ bytes: fileSize, total: fileSize, events: eventCount });

  // The manifest (fatal when missing or unreadable: it is what every digest is checked against).
  const manifestBytes = small.get('manifest.json');
  if (!manifestBytes) {
    report.fatal = {
      code: 'BUNDLE_MANIFEST_MISSING',
      message: 'the bundle has no manifest.json',
      location: { member: 'manifest.json' },
    };
    return report;
  }
  const parsed = parseStrictJson(manifestBytes, 'manifest.json', limits.maxJsonDepth);
  if (!parsed.ok) {
    report.fatal = { code: parsed.error.code, message: parsed.error.message, location: parsed.error.location };
    return report;
  }
  const mv = parsed.value as { format?: unknown; version?: unknown };
  if (mv && typeof mv === 'object' && mv.format === BUNDLE_FORMAT && mv.version !== BUNDLE_VERSION) {
    report.fatal = {
      code: 'BUNDLE_VERSION_UNKNOWN',
      message: `manifest.json: format version ${JSON.stringify(mv.version)} is not known to this verifier`,
      location: { member: 'manifest.json', path: 'version' },
    };
    return report;
  }
  const ms = ManifestSchema.safeParse(parsed.value);
  if (!ms.success) {
    const i = ms.error.issues[0]!;
    report.fatal = {
      code: 'BUNDLE_MANIFEST_INVALID',
      message: `manifest.json: ${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
      location: { member: 'manifest.json', path: i.path.map(String).join('.') },
    };
    return report;
  }
  const manifest: Manifest = ms.data;
  report.format = { name: manifest.format, version: manifest.version };

  // Members and digests. The tar holds the listed members in the manifest's order, then the trailer.
  const expectedOrder = [...manifest.members.map((m) => m.name), ...TRAILER];
  const actualOrder = order.map((m) => m.name);
  const expectedSet = new Set(expectedOrder);
  const exp = expectedOrder.filter((n) => seen.has(n));
  const act = actualOrder.filter((n) => expectedSet.has(n));
  const k = act.findIndex((n, i) => n !== exp[i]);
  const firstDiff = k < 0 ? -1 : actualOrder.indexOf(act[k]!);
  if (firstDiff >= 0) {
    report.fatal = {
      code: 'BUNDLE_MEMBER_ORDER',
      message: `member "${actualOrder[firstDiff]}" is not where the manifest lists it: the members were reordered`,
      location: { member: actualOrder[firstDiff]!, index: firstDiff },
    };
    return report;
  }
  const listed = new Map(manifest.members.map((m) => [m.name, m]));
  for (const [i, m] of manifest.members.entries()) {
    checks.count('members');
    const got = seen.get(m.name);
    if (!got) {
      checks.fail(
        'members',
        'BUNDLE_MEMBER_MISSING',
        `member "${m.name}" is listed in the manifest but not in the bundle`,
        { member: m.name, index: i },
      );
      continue;
    }
    if (got.size !== m.size)
      checks.fail(
        'members',
        'BUNDLE_MEMBER_SIZE_MISMATCH',
        `member "${m.name}" has ${got.size} bytes, the manifest says ${m.size}`,
        { member: m.name },
      );
    else if (got.sha256 !== m.sha256 || got.blake3 !== m.blake3) {
      checks.fail(
        'members',
        'BUNDLE_MEMBER_DIGEST_MISMATCH',
        `member "${m.name}" does not hash to the manifest's digests: it was changed`,
        { member: m.name, expected: m.sha256, found: got.sha256 },
      );
    }
  }
  for (const m of order) {
    if (!listed.has(m.name) && !(TRAILER as readonly string[]).includes(m.name))
      checks.fail('members', 'BUNDLE_MEMBER_UNLISTED', `member "${m.name}" is not listed in the signed manifest`, {
        member: m.name,
        index: m.index,
      });
  }
  for (const t of TRAILER)
    if (!seen.has(t)) checks.fail('members', 'BUNDLE_MEMBER_MISSING', `the bundle has no ${t}`, { member: t });
  const sumsOf = (field: 'sha256' | 'blake3', upTo: string) => {
    const members: { name: string; sha256: string; blake3: string }[] = [];
    for (const m of manifest.members) {
      if (m.name === upTo) break;
      members.push(m);
    }
    return members.map((m) => `${m[field]}  ${m.name}\n`).join('');
  };
  for (const [name, field] of [
    ['SHA256SUMS', 'sha256'],
    ['B3SUMS', 'blake3'],
  ] as const) {
    const got = small.get(name);
    if (got && new TextDecoder().decode(got) !== sumsOf(field, 'SHA256SUMS'))
      checks.fail(
        'members',
        'BUNDLE_SUMS_MISMATCH',
        `${name} does not list exactly the manifest's members and digests`,
        { member: name },
      );
  }
  if (range) {
    const r: BundleRange = range;
    if (
      r.tenantId !== manifest.tenant.id ||
      r.from !== manifest.range.from ||
      r.to !== manifest.range.to ||
      r.count !== manifest.range.count ||
      r.count !== r.to - r.from + 1
    ) {
      checks.fail(
        'members',
        'MANIFEST_RANGE_MISMATCH',
        'range.json and the manifest disagree on the tenant or the range',
        { member: 'range.json' },
      );
    }
  } else
    checks.fail('members', 'BUNDLE_MEMBER_MISSING', 'the bundle has no valid range.json', { member: 'range.json' });
  if (small.get('ARX-BUNDLE') === undefined)
    checks.fail('members', 'BUNDLE_MEMBER_MISSING', 'the bundle has no ARX-BUNDLE marker', { member: 'ARX-BUNDLE' });

  // Chain links.
  if (chain !== null || intact !== null) {
    checks.count('chain', eventCount);
  }
  if (chain) {
    const c: ChainVerifier = chain;
    const rep = c.finish();
    for (const e of rep.errors) {
      checks.fail('chain', e.code, e.message, {
        member: 'events.bin',
        seq: e.details.seq,
        ...(e.details.lastSeq !== undefined ? { lastSeq: e.details.lastSeq } : {}),
        ...(e.details.expected !== undefined ? { expected: e.details.expected } : {}),
        ...(e.details.found !== undefined ? { found: e.details.found } : {}),
      });
    }
    for (const w of rep.warnings)
      if (w.code !== 'TAIL_NOT_CHECKPOINTED')
        report.warnings.push({
          code: w.code,
          message: w.message,
          location: { member: 'events.bin', seq: w.details.seq },
        });
  }
  // (IntactChain accepted every row: ChainVerifier would have reported nothing; see above.)
  if (chain !== null || intact !== null) {
    const r = range!;
    if (!eventsProblem && (eventCount !== r.count || (eventCount > 0 && lastSeq !== r.to))) {
      checks.fail(
        'chain',
        'EVENTS_RANGE_MISMATCH',
        `events.bin holds ${eventCount} events ending at seq ${lastSeq}; the range is ${r.from}..${r.to} (${r.count})`,
        { member: 'events.bin' },
      );
    }
  } else if (!seen.has('events.bin'))
    checks.fail('chain', 'BUNDLE_MEMBER_MISSING', 'the bundle has no events.bin', { member: 'events.bin' });

  // Signature and path checks (certificates come from the bundle; trust only from the auditor).
  const store: TrustStore = {
    anchors: opts.trust.store.anchors,
    intermediates: [...opts.trust.store.intermediates, ...[...certs.values()].map((c) => c.x)],
    crls: [...opts.trust.store.crls, ...crls],
  };
  const pathChecked = new Map<string, boolean>();
  const checkPath = async (sha: string, what: string, member: string): Promise<boolean> => {
    if (pathChecked.has(sha)) return pathChecked.get(sha)!;
    const c = certs.get(sha);
    checks.count('signer-paths');
    if (!c) {
      checks.fail(
        'signer-paths',
        'SIGNER_CERT_MISSING',
        `the certificate of ${what} (SHA-256 ${sha.slice(0, 16)}…) is not in the bundle`,
        { member },
      );
      pathChecked.set(sha, false);
      return false;
    }
    const v = await cachedValidation(c, store, opts.trust);
    if (!v.ok) checks.fail('signer-paths', v.error.code, `${what}: ${v.error.message}`, { member: c.member });
    pathChecked.set(sha, v.ok);
    return v.ok;
  };

  // Manifest signature.
  checks.count('manifest-signature');
  const envBytes = small.get('manifest.dsse.json');
  const signerDer = small.get('manifest-signer.der');
  const signerSha = signerDer ? createHash('sha256').update(signerDer).digest('hex') : null;
  report.summary.signer = signerSha ? (certs.get(signerSha)?.x.subject ?? null) : null;
  if (!envBytes)
    checks.fail('manifest-signature', 'BUNDLE_MEMBER_MISSING', 'the bundle has no manifest.dsse.json', {
      member: 'manifest.dsse.json',
    });
  else {
    const ev = parseStrictJson(envBytes, 'manifest.dsse.json', limits.maxJsonDepth);
    const env = ev.ok ? DsseEnvelopeSchema.safeParse(ev.value) : null;
    if (!ev.ok) checks.fail('manifest-signature', ev.error.code, ev.error.message, ev.error.location);
    else if (!env?.success)
      checks.fail('manifest-signature', 'MANIFEST_ENVELOPE_MISMATCH', 'manifest.dsse.json is not a DSSE envelope', {
        member: 'manifest.dsse.json',
      });
    else {
      const e = env.data;
      const payload = fromBase64(e.payload);
      if (e.payloadType !== MANIFEST_PAYLOAD_TYPE || !payload || !bytesEqual(payload, manifestBytes)) {
        checks.fail(
          'manifest-signature',
          'MANIFEST_ENVELOPE_MISMATCH',
          'the envelope does not carry manifest.json as a bundle manifest',
          { member: 'manifest.dsse.json' },
        );
      } else if (!signerSha || !certs.get(signerSha)) {
        checks.fail(
          'manifest-signature',
          'SIGNER_CERT_MISSING',
          'manifest-signer.der is missing or not a certificate',
          { member: 'manifest-signer.der' },
        );
      } else if (!e.signatures.every((s) => s.keyid === signerSha)) {
        checks.fail(
          'manifest-signature',
          'MANIFEST_SIGNATURE_INVALID',
          'the envelope names a key other than manifest-signer.der',
          { member: 'manifest.dsse.json' },
        );
      } else if (!verifyDsse(e, certs.get(signerSha)!.node).ok) {
        checks.fail(
          'manifest-signature',
          'MANIFEST_SIGNATURE_INVALID',
          'the manifest signature does not verify with the key of manifest-signer.der',
          { member: 'manifest.dsse.json' },
        );
      }
    }
  }
  if (signerSha) await checkPath(signerSha, 'the exporter', 'manifest-signer.der');

  // Policy versions: digests and the two-person approval signatures (docs/policy-versions.md), with
  // the enrolment the exporter attested and the signers' certificate paths to the auditor's anchors.
  for (const [sha, p] of policies) {
    const member = `policy-${sha}.json`;
    checks.count('policy-signatures');
    if (!p.text || !p.meta) {
      checks.fail(
        'policy-signatures',
        'BUNDLE_MEMBER_MISSING',
        `policy version ${sha.slice(0, 16)}… lacks its ${p.text ? '.json' : '.cedar'} member`,
        { member },
      );
      continue;
    }
    const meta = p.meta;
    const text = new TextDecoder().decode(p.text);
    const digest = policyVersionDigest({ policies: text, schema: meta.schemaText, tests: meta.tests });
    if (digest.sha256 !== sha || meta.sha256 !== sha || meta.blake3 !== digest.blake3) {
      checks.fail(
        'policy-signatures',
        'POLICY_DIGEST_MISMATCH',
        `policy version ${sha.slice(0, 16)}…: its text, schema and tests hash to ${digest.sha256.slice(0, 16)}…, not the version it is named after`,
        {
          member: `policy-${sha}.cedar`,
          expected: sha,
          found: digest.sha256,
        },
      );
      continue;
    }
    const enrolment = new Map(meta.enrolments.map((e) => [e.certificateSha256, e]));
    const check = checkSignedVersion(
      {
        tenantId: meta.tenantId,
        policyId: meta.policyId,
        sha256: meta.sha256,
        blake3: meta.blake3,
        text,
        schema: meta.schemaText,
        tests: meta.tests,
        authorId: meta.authorId,
      },
      meta.signatures.map((x) => ({
        role: x.role,
        operatorId: x.operatorId,
        certificateSha256: x.certificateSha256,
        envelope: x.envelope,
      })),
      (certSha) => {
        const e = enrolment.get(certSha);
        const c = certs.get(certSha);
        return e && c
          ? { operatorId: e.operatorId, usage: e.usage, der: c.der, operatorActive: e.operatorActive, roles: e.roles }
          : undefined;
      },
      (der, data, sig) => {
        try {
          return cryptoVerify('sha256', data, { key: new NodeX509(der).publicKey, dsaEncoding: 'der' }, sig);
        } catch {
          return false;
        }
      },
    );
    if (meta.tenantId !== (range as BundleRange | null)?.tenantId)
      checks.fail(
        'policy-signatures',
        'POLICY_SIGNATURE_INVALID',
        `policy version ${sha.slice(0, 16)}… belongs to another tenant`,
        { member },
      );
    for (const f of check.findings) {
      checks.fail(
        'policy-signatures',
        f.problem === 'SIGNATURE_MISSING' ? 'POLICY_UNSIGNED' : 'POLICY_SIGNATURE_INVALID',
        `policy version ${sha.slice(0, 16)}… (${meta.name}): ${f.message}`,
        {
          member,
          problem: f.problem,
          ...(f.role ? { role: f.role } : {}),
        },
      );
    }
    for (const x of meta.signatures)
      await checkPath(x.certificateSha256, `the ${x.role} of policy version ${sha.slice(0, 16)}…`, member);
    contents?.policies.push({
      sha256: sha,
      name: meta.name,
      state: meta.state,
      text,
      signatures: meta.signatures.map((x) => ({
        role: x.role,
        operatorId: x.operatorId,
        certificateSha256: x.certificateSha256,
        signedAt: x.signedAt,
      })),
    });
  }

  // Certificates: fidelity certificates' signatures, and each X.509 certificate's signature by an issuer we hold.
  for (const r of reviews) {
    checks.count('certificates');
    const keyid = r.envelope.signatures[0]!.keyid;
    const cert = certs.get(keyid);
    if (!cert) {
      checks.fail(
        'certificates',
        'SIGNER_CERT_MISSING',
        `fidelity certificate ${r.id} names a signing certificate the bundle does not carry`,
        { member: r.member },
      );
      continue;
    }
    if (!verifyDsse(r.envelope as DsseEnvelope, cert.node).ok)
      checks.fail(
        'certificates',
        'REVIEW_SIGNATURE_INVALID',
        `fidelity certificate ${r.id} does not verify with its signer's certificate`,
        { member: r.member },
      );
    const rg = range as BundleRange | null;
    if (rg && (r.toSeq < rg.from || r.fromSeq > rg.to))
      checks.fail(
        'certificates',
        'REVIEW_RANGE_MISMATCH',
        `fidelity certificate ${r.id} covers ${r.fromSeq}..${r.toSeq}, outside the bundle's range`,
        { member: r.member },
      );
    if (rg) {
      // The signed subject against this bundle's own chain: only a subject about this chain counts.
      const hashAt = (s: number) =>
        (s === rg.from - 1 ? fromHex(rg.prevHash) : s === rg.to ? fromHex(rg.lastHash) : subjectHashes.get(s)) ??
        undefined;
      const sc = checkReviewSubject(r, {
        range: rg,
        genesis: toHex(genesisHash(b3, rg.tenantId)),
        checkpoints,
        hashAt,
        endRoot,
      });
      for (const f of sc.findings) {
        checks.fail('certificates', f.code, `fidelity certificate ${r.id}: ${f.message}`, {
          member: r.member,
          field: f.field,
          ...(f.expected ? { expected: f.expected } : {}),
          ...(f.found ? { found: f.found } : {}),
        });
      }
      if (sc.unchecked.length) {
        report.warnings.push({
          code: 'REVIEW_SUBJECT_UNCHECKED',
          message: `fidelity certificate ${r.id} reaches outside the bundle: its ${sc.unchecked.join(', ')} could not be compared with the bundle's chain`,
          location: { member: r.member },
        });
      }
    }
    await checkPath(keyid, `the signer of fidelity certificate ${r.id}`, r.member);
    contents?.reviews.push({ id: r.id, fromSeq: r.fromSeq, toSeq: r.toSeq, createdAt: r.createdAt });
  }
  const issuers = [
    ...opts.trust.store.anchors,
    ...opts.trust.store.intermediates,
    ...[...certs.values()].map((c) => c.x),
  ];
  for (const [sha, c] of certs) {
    checks.count('certificates');
    const issuer = issuers.find(
      (i) => i.subject === c.x.issuer && !(i.subject === c.x.subject && bytesEqual(new Uint8Array(i.rawData), c.der)),
    );
    if (issuer && !(await c.x.verify({ publicKey: issuer, signatureOnly: true }).catch(() => false))) {
      checks.fail(
        'certificates',
        'CERT_SIGNATURE_INVALID',
        `the signature on ${c.member} ("${c.x.subject}") does not verify with the key of "${issuer.subject}"`,
        { member: c.member },
      );
    }
    contents?.certificates.push({
      sha256: sha,
      subject: c.x.subject,
      issuer: c.x.issuer,
      notBefore: c.x.notBefore.toISOString(),
      notAfter: c.x.notAfter.toISOString(),
      member: c.member,
    });
  }
  void decisions;

  if (!pins) {
    report.warnings.push({
      code: 'GATEWAY_KEYS_UNPINNED',
      message:
        "gateway keys taken from the bundle, vouched for by the exporter's signature only (pin the gateway keys you trust in gateway-keys.txt of your trust directory)",
      location: { member: 'gateway-keys.json' },
    });
  }
  report.checks = checks.report();
  report.ok = report.checks.every((c) => c.ok);
  Object.assign(report.summary, {
    tenantId: manifest.tenant.id,
    tenantSlug: manifest.tenant.slug,
    from: manifest.range.from,
    to: manifest.range.to,
    events: eventCount,
    eventBytes,
    checkpoints: checkpoints.length,
    policyVersions: policies.size,
    reviews: reviews.length,
    certificates: certs.size,
    crls: crls.length,
    createdAt: manifest.createdAt,
  });
  return contents ? { ...report, contents } : report;
}

/**
 * Compiled policy engines by content (text, schema, tests): compiling is the costly part of a
 * re-verification and the same version recurs across bundles. Keyed by content, so a changed
 * version never hits another's entry.
 */
const engineCache = new Map<string, ReturnType<typeof compilePolicySet>>();

/**
 * Path validation results for one minute, keyed by the certificate, every certificate and CRL the
 * path could be built from, the auditor's trust object and its policy: verifying many bundles
 * signed by the same card (or one bundle's many signatures) validates each signer once.
 */
const pathCache = new Map<string, { at: number; result: Awaited<ReturnType<typeof validateCertificate>> }>();
const trustIds = new WeakMap<object, number>();
let nextTrustId = 1;

async function cachedValidation(c: { x: X509Certificate; der: Uint8Array }, store: TrustStore, trust: BundleTrust) {
  const h = createHash('sha256').update(c.der);
  for (const x of store.intermediates) h.update(new Uint8Array(x.rawData));
  for (const x of store.crls) h.update(new Uint8Array(x.rawData));
  if (!trustIds.has(trust)) trustIds.set(trust, nextTrustId++);
  const key = `${trustIds.get(trust)}:${h.digest('hex')}`;
  const hit = pathCache.get(key);
  if (hit && Date.now() - hit.at < 60_000) return hit.result;
  const result = await validateCertificate(c.x, store, 'signature', trust.policy);
  if (pathCache.size > 256) pathCache.clear();
  pathCache.set(key, { at: Date.now(), result });
  return result;
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const c of createReadStream(path, { start: 0, end: n - 1 })) {
    chunks.push(c as Buffer);
    got += (c as Buffer).length;
  }
  return new Uint8Array(Buffer.concat(chunks, got));
}

async function isGzip(path: string): Promise<boolean> {
  const h = await readHead(path, 2).catch(() => new Uint8Array(0));
  return h[0] === 0x1f && h[1] === 0x8b;
}
