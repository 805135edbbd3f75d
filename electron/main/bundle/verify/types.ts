import type { CosignatureVerifier } from '../../../../shared/witness';
import type { Blake3 } from '../../../../shared/chain';
import type { BundleLimits, BundleReport } from '../../../../shared/bundle';
import type { TrustStore } from '../../pki/trust-store';
import type { ValidationPolicy } from '../../pki/validate';
import type { GatewayPins } from '../gateway-pins';

/** What the auditor trusts: their own anchors (and CRLs/intermediates), never the bundle's. */
export interface BundleTrust {
  store: TrustStore;
  policy: ValidationPolicy;
  /** Gateway keys the auditor pins (gateway-pins.ts); absent: the bundle's keys, vouched for by the exporter only. */
  gatewayPins?: GatewayPins | null;
  /**
   * Without pins the checkpoints check fails with GATEWAY_KEYS_UNPINNED, since an exporter with a
   * valid card could forge a gateway key; true accepts the bundle's keys with a warning instead.
   */
  allowUnpinnedGatewayKeys?: boolean;
  /** Witness keys the auditor trusts (witness-keys.txt, --witness-key); with requireWitnesses, judged on the anchoring checkpoint. */
  witnesses?: CosignatureVerifier[];
  /** K of --require-witnesses: fewer valid trusted cosignatures is WITNESS_QUORUM_NOT_MET (exit 1). */
  requireWitnesses?: number;
}

export interface VerifyBundleOptions {
  trust: BundleTrust;
  /**
   * The bundle's bytes when they are not the file at the path itself: an encrypted bundle's,
   * decrypted as they are read (`chunks` is called once per reading pass; `size` is the bundle's).
   */
  source?: {
    size: number;
    chunks: () => Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
    /** The chunks lie in shared slots (member-hasher.ts SharedSlot), valid as readFileShared's: not copied again. */
    shared?: boolean;
  };
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
