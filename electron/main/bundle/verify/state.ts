import type { X509Certificate, X509Crl } from '@peculiar/x509';
import type { X509Certificate as NodeX509 } from 'node:crypto';
import {
  DEFAULT_LIMITS,
  type BundleLimits,
  type BundleRange,
  type BundleReview,
  type EventRecordScanner,
  type PolicyMeta,
  type BundleVersion,
} from '../../../../shared/bundle';
import type { Blake3, ChainAnchor, ChainCheckpoint, ChainVerifier, IntactChain } from '../../../../shared/chain';
import type { NoteVerifier } from '../../../../shared/checkpoint';
import type { PolicyEngine } from '../../../../shared/policy';
import { WriterCollector } from '../../pki/writer-auth';
import { loadEventDigester, type HashKernel } from '../../crypto/blake3';
import type { GatewayPins } from '../gateway-pins';
import type { EventDigestTally } from '../hash-protocol';
import { Checks } from './checks';
import type { ReplayState } from './decisions';
import type { BundleContents, VerifyBundleOptions } from './types';
import type { PqResult } from '../../../../shared/companion';

export interface MemberSeen {
  name: string;
  size: number;
  sha256: string;
  blake3: string;
  index: number;
}

export type BundleCheckpoint = ChainCheckpoint & { member: string; time: string; verified: boolean; note?: string };
/** A fidelity certificate's post-quantum result in a bundle report. */
export type ReviewPqResult = PqResult & { id: string; member: string };
export type BundleCert = { der: Uint8Array; x: X509Certificate; node: NodeX509; member: string };
export type BundlePolicy = { text?: Uint8Array; meta?: PolicyMeta; engine?: PolicyEngine | null };

/** events.bin as it streams: the chain check, the counts, the decision needle's offsets. */
export interface EventsState {
  chain: ChainVerifier | null;
  intact: IntactChain | null;
  scanner: EventRecordScanner | null;
  count: number;
  bytes: number;
  lastSeq: number;
  /** events.bin is malformed: reading its records stopped. */
  problem: boolean;
  /** What the hash worker found checking the event digests (set when events.bin's digests arrive). */
  workerTally: EventDigestTally | null | undefined;
  /** The decision needle's offsets in the events.bin chunk being parsed, and that chunk's extent. */
  needles: number[];
  needleAt: number;
  chunkFrom: number;
  chunkTo: number;
  fed: number;
}

/**
 * Everything one verification learns, in one place. Members arrive in the order the format fixes,
 * so each checker finds here what the members before its own left.
 */
export interface VerifyState {
  readonly opts: VerifyBundleOptions;
  readonly limits: BundleLimits;
  readonly maxFindings: number;
  readonly checks: Checks;
  readonly b3: Blake3;
  /** Chain links through the hash kernel's C exports (electron/main/crypto/hash-kernel.ts): same BLAKE3, same digests. */
  readonly kernel: HashKernel;
  readonly eventDigestOf: (bytes: Uint8Array) => Uint8Array;
  /** The hash worker checks every d_i; this thread takes the stored digests as computed. */
  readonly digestsInWorker: boolean;
  /** IntactChain instead of ChainVerifier (first pass only). */
  readonly fastChain: boolean;
  readonly pins: GatewayPins | null;
  readonly contents: BundleContents | undefined;

  /** Members as read: in tar order, by name, and the small ones' bytes. */
  readonly seen: Map<string, MemberSeen>;
  readonly order: MemberSeen[];
  readonly small: Map<string, Uint8Array>;

  range: BundleRange | null;
  /** The format version ARX-BUNDLE names (null until it is read). */
  version: BundleVersion | null;
  /** The bundle's gateway keys the auditor trusts (all of them when nothing is pinned). */
  readonly verifiers: NoteVerifier[];
  /** Bundle keys the auditor did not pin (only when they pinned some): never trusted, only named. */
  readonly unpinned: NoteVerifier[];
  /**
   * Each key name's validity window: the last one listed under that name, narrowed to the
   * auditor's pinned window when one is pinned.
   */
  readonly windows: Map<string, { from: Date; to: Date | null }>;
  /** The bundle's own claim for a key whose window was narrowed by a pin (names a checkpoint's finding). */
  readonly claimedWindows: Map<string, { from: Date; to: Date | null }>;
  /** Bundle keys pinned without a window (an older gateway-keys.txt): the bundle's window used, reported. */
  readonly pinnedWithoutWindow: string[];
  readonly checkpoints: BundleCheckpoint[];
  readonly anchors: ChainAnchor[];
  /** h_(from-1), tied to a signed checkpoint by proof-start. */
  startTrusted: Uint8Array | null;
  /** Review subjects: MTH(h_0 … h_to) from the verified proof-end, and the chain hashes at the seqs they name. */
  endRoot: Uint8Array | null;
  readonly subjectHashes: Map<number, Uint8Array | null>;
  readonly events: EventsState;
  /** The events that may need a card signature checked (every one not certainly of a gateway type). */
  readonly writers: WriterCollector;
  readonly replay: ReplayState;
  readonly policies: Map<string, BundlePolicy>;
  readonly reviews: (BundleReview & { member: string })[];
  /** Each fidelity certificate's post-quantum result (judged apart from its card signature). */
  readonly reviewPq: ReviewPqResult[];
  readonly certs: Map<string, BundleCert>;
  readonly crls: X509Crl[];
  /** cosignatures.json: each checkpoint member's witness cosignature lines (absent member: none). */
  readonly cosignatures: Map<string, string[]>;
}

export async function createState(opts: VerifyBundleOptions, kernel: HashKernel): Promise<VerifyState> {
  const maxFindings = opts.maxFindings ?? 100;
  const digestsInWorker = opts.hashWorker !== false && opts.eventDigestsInWorker !== false;
  return {
    opts,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    maxFindings,
    checks: new Checks(maxFindings),
    b3: opts.blake3,
    kernel,
    eventDigestOf: await loadEventDigester(),
    digestsInWorker,
    fastChain: digestsInWorker && opts.chainFastPath !== false,
    pins: opts.trust.gatewayPins ?? null,
    contents: opts.collect
      ? { events: [], eventsOmitted: 0, policies: [], certificates: [], reviews: [], checkpoints: [] }
      : undefined,
    seen: new Map(),
    order: [],
    small: new Map(),
    range: null,
    version: null,
    verifiers: [],
    unpinned: [],
    windows: new Map(),
    claimedWindows: new Map(),
    pinnedWithoutWindow: [],
    checkpoints: [],
    cosignatures: new Map(),
    anchors: [],
    startTrusted: null,
    endRoot: null,
    subjectHashes: new Map(),
    events: {
      chain: null,
      intact: null,
      scanner: null,
      count: 0,
      bytes: 0,
      lastSeq: -1,
      problem: false,
      workerTally: undefined,
      needles: [],
      needleAt: 0,
      chunkFrom: 0,
      chunkTo: 0,
      fed: 0,
    },
    writers: new WriterCollector(),
    replay: { replay: null, missingVersions: new Set(), decisions: 0 },
    policies: new Map(),
    reviews: [],
    reviewPq: [],
    certs: new Map(),
    crls: [],
  };
}
