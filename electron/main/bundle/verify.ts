// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { createReadStream, statSync } from 'node:fs';
import { BundleFatal, type BundleReport } from '../../../shared/bundle';
import { loadHashKernel } from '../crypto/blake3';
import { checkCertificateSignatures, SignerPaths } from './verify/certificates';
import { EnvelopeFatal } from './envelope/format';
import { emptyReport } from './verify/checks';
import { checkPublishedCopies } from './verify/copies';
import { closeReplay, finishReplay } from './verify/decisions';
import { ChainNotIntact, checkChain } from './verify/events';
import { checkManifestSignature, readManifest, signerSha, type Fatal } from './verify/manifest';
import { checkMembers } from './verify/members';
import { checkPolicies } from './verify/policies';
import { checkPq } from './verify/pq';
import { judgeBundleWitnesses } from './verify/witnesses';
import { readBundle } from './verify/read';
import { checkReviews } from './verify/reviews';
import { createState, type VerifyState } from './verify/state';
import { checkWriters } from './verify/writers';
import type { VerifiedBundle, VerifyBundleOptions } from './verify/types';

export type { BundleContents, BundleTrust, VerifiedBundle, VerifyBundleOptions } from './verify/types';

/**
 * Verifies an evidence bundle offline (docs/bundle-format.md §5): no database, no card, no
 * network. The file is read once, as a stream, never extracted: members are hashed and checked as
 * they pass (verify/read.ts), the small ones kept in memory (bounded by the limits), events.bin
 * through the chain check and the decision replay (verify/events.ts); then the checks that need
 * the whole bundle run, one checker per concern, over one state (verify/state.ts). Never throws
 * for a bad file: a file that is not a usable bundle gives `fatal` (exit 2), anything else a
 * finding under its check (exit 1).
 */
export async function verifyBundle(path: string, opts: VerifyBundleOptions): Promise<VerifiedBundle> {
  let fileSize = opts.source?.size ?? 0;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a regular file');
    if (!opts.source) fileSize = st.size;
  } catch (e) {
    const r = emptyReport(0, false);
    r.fatal = {
      code: 'BUNDLE_UNREADABLE',
      message: `Cannot read ${path}: ${(e as Error).message}`,
      location: { file: path },
    };
    return r;
  }
  const s = await createState(opts, await loadHashKernel());
  const report = emptyReport(fileSize, false);
  let compressed = false;
  try {
    compressed = await isGzip(path, opts);
    report.summary.compressed = compressed;
    if (compressed) {
      const header = await readHead(path, 10, opts);
      if (header[2] !== 8 || header[3] !== 0)
        throw new BundleFatal(
          'BUNDLE_COMPRESSION_INVALID',
          'the gzip header uses flags or a method other than plain deflate',
          {
            offset: 2,
          },
        );
    }
    await readBundle(s, path, fileSize, compressed);
    if (!firstPassHolds(s)) {
      closeReplay(s);
      return verifyAgain(path, opts);
    }
    await finishReplay(s);
  } catch (e) {
    closeReplay(s);
    // A row the intact-chain path does not accept: reading stopped there; verify again for the findings.
    if (e instanceof ChainNotIntact) return verifyAgain(path, opts);
    report.fatal = readFailure(e, path, fileSize);
    return report;
  }
  opts.onProgress?.({ bytes: fileSize, total: fileSize, events: s.events.count });
  return checkWholeBundle(s, report, opts);
}

/**
 * With the event digests checked in the worker: whether the first pass stands. Not when some event
 * does not hash to its stored digest (or the worker could not say), or the chain is not intact to
 * its end (an anchor beyond the last row; events.bin malformed).
 */
function firstPassHolds(s: VerifyState): boolean {
  const { chain, intact, workerTally: t, count, problem } = s.events;
  if (!s.digestsInWorker || (chain === null && intact === null)) return true;
  const notIntact = intact !== null && (problem || !intact.finish().ok);
  return !(!t || t.mismatches > 0 || t.checked !== count || notIntact);
}

/** The second pass: every d_i on this thread and ChainVerifier from the first row; its progress says so. */
function verifyAgain(path: string, opts: VerifyBundleOptions): Promise<VerifiedBundle> {
  const progress = opts.onProgress;
  return verifyBundle(path, {
    ...opts,
    eventDigestsInWorker: false,
    ...(progress ? { onProgress: (p) => progress({ ...p, again: true }) } : {}),
  });
}

/** The checks that need every member: manifest, members, chain, signatures, paths, certificates. */
async function checkWholeBundle(
  s: VerifyState,
  report: BundleReport,
  opts: VerifyBundleOptions,
): Promise<VerifiedBundle> {
  const m = readManifest(s);
  if (!m.ok) return withFatal(report, m.fatal);
  const manifest = m.manifest;
  report.format = { name: manifest.format, version: manifest.version };
  const reordered = checkMembers(s, manifest);
  if (reordered) return withFatal(report, reordered);
  checkChain(s, report.warnings);
  checkPublishedCopies(s, report.warnings);
  const paths = new SignerPaths(s);
  const sha = signerSha(s);
  report.summary.signer = sha ? (s.certs.get(sha)?.x.subject ?? null) : null;
  await checkManifestSignature(s, paths, manifest);
  await checkPolicies(s, paths);
  await checkReviews(s, paths, report.warnings);
  await checkCertificateSignatures(s);
  await checkWriters(s, manifest.exporter, report.warnings);
  if (!s.pins) noteUnpinned(s, report, opts);
  else if (s.pinnedWithoutWindow.length) notePinnedWithoutWindow(s, report);
  report.checks = s.checks.report();
  // The post-quantum signature apart: absent fails only --require-pq; present and wrong fails the bundle.
  report.pq = checkPq(s, manifest);
  if (s.reviewPq.length) report.pqReviews = s.reviewPq;
  report.ok =
    report.checks.every((c) => c.ok) && report.pq.state !== 'invalid' && s.reviewPq.every((r) => r.state !== 'invalid');
  const witnessing = judgeBundleWitnesses(s, opts.trust);
  if (witnessing) {
    report.witnessing = witnessing;
    report.ok &&= witnessing.ok;
  }
  Object.assign(report.summary, {
    tenantId: manifest.tenant.id,
    tenantSlug: manifest.tenant.slug,
    from: manifest.range.from,
    to: manifest.range.to,
    events: s.events.count,
    eventBytes: s.events.bytes,
    checkpoints: s.checkpoints.length,
    policyVersions: s.policies.size,
    reviews: s.reviews.length,
    certificates: s.certs.size,
    crls: s.crls.length,
    createdAt: manifest.createdAt,
    classification: manifest.classification ?? null,
  });
  return s.contents ? { ...report, contents: s.contents } : report;
}

export const UNPINNED_MESSAGE =
  "gateway keys taken from the bundle, vouched for by the exporter's signature only: an exporter with a valid card could have forged them (pin the gateway keys you trust in gateway-keys.txt of your trust directory)";

/** No gateway key pinned: a failed checkpoints check, or with the auditor's explicit consent a warning. */
function noteUnpinned(s: VerifyState, report: BundleReport, opts: VerifyBundleOptions): void {
  const location = { member: 'gateway-keys.json' };
  if (opts.trust.allowUnpinnedGatewayKeys)
    report.warnings.push({ code: 'GATEWAY_KEYS_UNPINNED', message: UNPINNED_MESSAGE, location });
  else s.checks.fail('checkpoints', 'GATEWAY_KEYS_UNPINNED', UNPINNED_MESSAGE, location);
}

/** Pins from an older gateway-keys.txt (keys only): accepted, their windows taken from the bundle, said so. */
function notePinnedWithoutWindow(s: VerifyState, report: BundleReport): void {
  const keys = s.pinnedWithoutWindow;
  report.warnings.push({
    code: 'GATEWAY_KEYS_PINNED_WITHOUT_WINDOWS',
    message: `${keys.join(', ')} ${keys.length === 1 ? 'is' : 'are'} pinned in ${s.pins!.file} without a window: ${keys.length === 1 ? 'its window comes' : 'their windows come'} from the bundle, vouched for by the exporter only (export gateway-keys.txt again with \`arx admin gateway-key export\` to pin the windows)`,
    location: { file: s.pins!.file },
  });
}

function withFatal(report: BundleReport, fatal: Fatal): BundleReport {
  report.fatal = fatal;
  return report;
}

/** What made the file unusable: a fatal finding, a gzip stream cut short or corrupt, or a read error. */
function readFailure(e: unknown, path: string, fileSize: number): Fatal {
  if (e instanceof BundleFatal) return { code: e.code, message: e.message, location: e.location };
  // An encrypted bundle's chunk that does not authenticate, met while it is read.
  if (e instanceof EnvelopeFatal) return { code: e.code, message: e.message, location: { file: path, ...e.location } };
  const code = (e as { code?: string }).code;
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test((e as Error).message))
    return { code: 'BUNDLE_TRUNCATED', message: 'the gzip stream ends early', location: { offset: fileSize } };
  if (typeof code === 'string' && code.startsWith('Z_'))
    return {
      code: 'BUNDLE_COMPRESSION_INVALID',
      message: `the gzip stream is corrupt: ${(e as Error).message}`,
      location: {},
    };
  return {
    code: 'BUNDLE_UNREADABLE',
    message: `Cannot read ${path}: ${(e as Error).message}`,
    location: { file: path },
  };
}

/** The bundle's first `n` bytes (or fewer): of the file, or of the source that stands for it. */
async function readHead(path: string, n: number, opts: VerifyBundleOptions): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let got = 0;
  const from = opts.source ? opts.source.chunks() : createReadStream(path, { start: 0, end: n - 1 });
  for await (const c of from as AsyncIterable<Uint8Array>) {
    chunks.push(c);
    got += c.length;
    if (got >= n) break;
  }
  return new Uint8Array(Buffer.concat(chunks, got).subarray(0, Math.min(n, got)));
}

async function isGzip(path: string, opts: VerifyBundleOptions): Promise<boolean> {
  // A file that cannot be read is said by the reading itself; an envelope's refusal is said here.
  const h = await readHead(path, 2, opts).catch((e: unknown) => {
    if (e instanceof EnvelopeFatal) throw e;
    return new Uint8Array(0);
  });
  return h[0] === 0x1f && h[1] === 0x8b;
}
