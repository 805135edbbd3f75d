import { fromHex, toHex } from '../../../../shared/bytes';
import {
  EVENT_RECORD_HEADER,
  EventRecordScanner,
  EventsMalformed,
  Needle,
  type BundleFinding,
} from '../../../../shared/bundle';
import { ChainVerifier, genesisHash, IntactChain } from '../../../../shared/chain';
import { subjectSeqs } from '../review-subject';
import { onDecisionOrCollected, startReplay } from './decisions';
import { requireEndProofs } from './proofs';
import type { VerifyState } from './state';

/** Thrown inside the read loop when the intact-chain path meets a row it does not accept. */
export class ChainNotIntact extends Error {}

const DECIDED = new Needle(new TextEncoder().encode('"type":"com.arx.policy.decided"'));

/**
 * events.bin begins: the chain check is set up (IntactChain on the first pass, else ChainVerifier)
 * with its start, the proof anchors and the checkpoints inside the range, then the record scanner
 * and the decision replay.
 */
export function startEvents(s: VerifyState, name: string): void {
  if (!s.range) {
    s.checks.fail('chain', 'EVENTS_RANGE_MISMATCH', 'events.bin cannot be checked: range.json is missing or invalid', {
      member: name,
    });
    return;
  }
  const r = s.range;
  requireEndProofs(s);
  if (r.from === 0 && r.prevHash !== toHex(genesisHash(s.b3, r.tenantId)))
    s.checks.fail('chain', 'MANIFEST_RANGE_MISMATCH', 'range.json: prevHash is not the genesis hash of the tenant', {
      member: 'range.json',
    });
  const inRange = s.checkpoints
    .filter((c) => c.size - 1 >= r.from && c.size - 1 <= r.to)
    .map((c) => ({ seq: c.size - 1, hash: c.head }));
  for (const rv of s.reviews)
    for (const q of subjectSeqs(rv)) if (q >= r.from && q <= r.to) s.subjectHashes.set(q, null);
  const anchors = [...s.anchors, ...inRange];
  if (s.fastChain)
    s.events.intact = new IntactChain({
      start: { seq: r.from, prevHash: r.from === 0 ? genesisHash(s.b3, r.tenantId) : fromHex(r.prevHash)! },
      anchors,
      hasher: s.kernel,
    });
  else
    s.events.chain = new ChainVerifier({
      start: r.from === 0 ? { tenantId: r.tenantId } : { seq: r.from, prevHash: fromHex(r.prevHash)! },
      blake3: s.kernel.blake3,
      anchors,
      maxIssues: s.maxFindings,
    });
  s.events.scanner = new EventRecordScanner(recordHandler(s), s.limits.maxEventBytes);
  startReplay(s);
}

/** One call per event, with positions (EventRecordScanner): a view is made only where one is used. */
function recordHandler(s: VerifyState) {
  const ev = s.events;
  const { intact, chain } = ev;
  const contents = s.contents;
  const maxEvents = s.opts.collect?.maxEvents ?? 0;
  return (buf: Uint8Array, at: number, seq: number, len: number, offset: number): void => {
    ev.count++;
    ev.bytes += len;
    ev.lastSeq = seq;
    const b = at + EVENT_RECORD_HEADER;
    if (intact) {
      // The worker checks every d_i; here the links from the stored digests, and the anchors.
      if (!intact.row(seq, buf, at + 12, at + 44)) throw new ChainNotIntact();
    } else {
      // With the worker checking every d_i, the stored digest stands for the computed one here;
      // if any differs the whole bundle is verified again with d_i computed here.
      const bytes = buf.subarray(b, b + len);
      const digest = buf.subarray(at + 12, at + 44);
      chain!.push({
        seq,
        bytes,
        digest,
        hash: buf.subarray(at + 44, b),
        computedDigest: s.digestsInWorker ? digest : s.eventDigestOf(bytes),
      });
    }
    s.writers.push(seq, buf.subarray(b, b + len));
    if (s.subjectHashes.size && s.subjectHashes.has(seq)) s.subjectHashes.set(seq, buf.slice(at + 44, b));
    const collect = !!contents && contents.events.length < maxEvents;
    if (!collect && contents) contents.eventsOmitted++;
    // Does the event contain the decision needle? Found per chunk (feedEvents); per event only for
    // an event that spans two chunks.
    const start = offset + EVENT_RECORD_HEADER;
    const end = start + len;
    let decided: boolean;
    if (start >= ev.chunkFrom && end <= ev.chunkTo) {
      while (ev.needleAt < ev.needles.length && ev.needles[ev.needleAt]! < start) ev.needleAt++;
      decided = ev.needleAt < ev.needles.length && ev.needles[ev.needleAt]! + DECIDED.length <= end;
    } else decided = DECIDED.indexIn(buf, b, b + len) >= 0;
    if (!decided && !collect) return;
    onDecisionOrCollected(s, { seq, bytes: buf.subarray(b, b + len), offset }, collect);
  };
}

/** A chunk of events.bin: where the decision needle occurs in it (events.bin offsets), then its records. */
export function feedEvents(s: VerifyState, chunk: Uint8Array): void {
  const ev = s.events;
  if (!ev.scanner || ev.problem) return;
  ev.needles.length = 0;
  ev.needleAt = 0;
  for (let p = DECIDED.indexIn(chunk); p >= 0; p = DECIDED.indexIn(chunk, p + 1)) ev.needles.push(ev.fed + p);
  ev.chunkFrom = ev.fed;
  ev.chunkTo = ev.fed += chunk.length;
  guarded(s, () => ev.scanner!.push(chunk));
}

/** events.bin ends: a record cut short is malformed. */
export function endEvents(s: VerifyState): void {
  if (!s.events.scanner || s.events.problem) return;
  guarded(s, () => s.events.scanner!.end());
}

function guarded(s: VerifyState, f: () => void): void {
  try {
    f();
  } catch (e) {
    s.events.problem = true;
    if (e instanceof EventsMalformed)
      s.checks.fail('chain', e.code, e.message, { member: 'events.bin', offset: e.offset });
    else throw e;
  }
}

/** After reading: the chain's findings, and whether events.bin holds exactly the range. */
export function checkChain(s: VerifyState, warnings: BundleFinding[]): void {
  const { chain, intact, count, lastSeq, problem } = s.events;
  if (chain !== null || intact !== null) s.checks.count('chain', count);
  if (chain) {
    const rep = chain.finish();
    for (const e of rep.errors) {
      s.checks.fail('chain', e.code, e.message, {
        member: 'events.bin',
        seq: e.details.seq,
        ...(e.details.lastSeq !== undefined ? { lastSeq: e.details.lastSeq } : {}),
        ...(e.details.expected !== undefined ? { expected: e.details.expected } : {}),
        ...(e.details.found !== undefined ? { found: e.details.found } : {}),
      });
    }
    for (const w of rep.warnings)
      if (w.code !== 'TAIL_NOT_CHECKPOINTED')
        warnings.push({ code: w.code, message: w.message, location: { member: 'events.bin', seq: w.details.seq } });
  }
  // (IntactChain accepted every row: ChainVerifier would have reported nothing.)
  if (chain !== null || intact !== null) {
    const r = s.range!;
    if (!problem && (count !== r.count || (count > 0 && lastSeq !== r.to))) {
      s.checks.fail(
        'chain',
        'EVENTS_RANGE_MISMATCH',
        `events.bin holds ${count} events ending at seq ${lastSeq}; the range is ${r.from}..${r.to} (${r.count})`,
        { member: 'events.bin' },
      );
    }
  } else if (!s.seen.has('events.bin'))
    s.checks.fail('chain', 'BUNDLE_MEMBER_MISSING', 'the bundle has no events.bin', { member: 'events.bin' });
}
