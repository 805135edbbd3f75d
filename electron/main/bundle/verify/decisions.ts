import { createHash } from 'node:crypto';
import { isJsonText } from '../../../../shared/bundle';
import { compilePolicySet, type PolicyDecidedData, type PolicyEngine } from '../../../../shared/policy';
import * as cedar from '../../policy/cedar-node';
import { StreamingReplay, type DecisionFinding } from '../../policy/replay-stream';
import type { VerifyState } from './state';

/** Decisions re-decided on the console's shared replay pool (policy/replay-stream.ts), in batches. */
export interface ReplayState {
  replay: StreamingReplay | null;
  missingVersions: Set<string>;
  decisions: number;
}

/**
 * Compiled policy engines by content (text, schema, tests): compiling is the costly part of a
 * re-verification and the same version recurs across bundles. Keyed by content, so a changed
 * version never hits another's entry.
 */
const engineCache = new Map<string, ReturnType<typeof compilePolicySet>>();

/** The engine of a policy version the bundle carries, when it compiles to that version's digest. */
export function engineFor(s: VerifyState, sha: string): PolicyEngine | null {
  const p = s.policies.get(sha);
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
}

/** Starts the replay with every version the bundle carries that compiles to its digest. */
export function startReplay(s: VerifyState): void {
  if (s.opts.replayDecisions === false) return;
  // A decision naming another version is POLICY_VERSION_MISSING (onDecisionOrCollected).
  const versions = [...s.policies.keys()].flatMap((sha) => {
    const engine = engineFor(s, sha);
    const p = s.policies.get(sha)!;
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
  s.replay.replay = new StreamingReplay(versions, { cap: s.maxFindings });
}

/**
 * An event that carries the decision needle, or that is collected for the read-only view: parsed,
 * kept, and (a decision) handed to the replay pool, whose findings come back in finishReplay.
 */
export function onDecisionOrCollected(
  s: VerifyState,
  rec: { seq: number; bytes: Uint8Array; offset: number },
  collect: boolean,
): void {
  const replay = s.replay.replay;
  if (!collect && s.opts.replayDecisions === false) {
    // Not re-decided: only whether it is JSON matters (EVENTS_MALFORMED), and that is checked
    // without building the value (isJsonText says what JSON.parse would).
    if (!isJsonText(rec.bytes))
      s.checks.fail('decisions', 'EVENTS_MALFORMED', `event seq ${rec.seq} is not JSON`, {
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
    if (replay) replay.defer(f);
    else s.checks.fail('decisions', f.code, f.message, f.location);
    return;
  }
  if (collect)
    s.contents!.events.push({
      seq: rec.seq,
      type: String(ev.type ?? ''),
      time: String(ev.time ?? ''),
      json: bytes.toString('utf8'),
    });
  if (ev.type !== 'com.arx.policy.decided' || !ev.data || s.opts.replayDecisions === false) return;
  s.replay.decisions++;
  s.checks.count('decisions');
  const sha = String(ev.data.policyVersion?.sha256 ?? '');
  const engine = engineFor(s, sha);
  if (!engine || !replay) {
    if (!s.replay.missingVersions.has(sha)) {
      s.replay.missingVersions.add(sha);
      replay?.defer({
        seq: rec.seq,
        code: 'POLICY_VERSION_MISSING',
        message: `decisions name policy version ${sha.slice(0, 64)}, which the bundle does not carry (or does not compile)`,
        location: { member: 'events.bin', seq: rec.seq },
      });
    }
    return;
  }
  // Replayed in the pool's workers (the bytes are copied).
  replay.push(rec.seq, rec.bytes);
}

/** Waits for the replayed decisions and records their findings in seq order (as replaying them one by one here would). */
export async function finishReplay(s: VerifyState): Promise<void> {
  const replay = s.replay.replay;
  if (!replay) return;
  s.replay.replay = null;
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
  for (const f of findings) s.checks.fail('decisions', f.code, f.message, f.location);
  // Beyond the listed ones (the list is full by then): counted as omitted.
  for (let i = 0; i < omitted; i++) s.checks.fail('decisions', 'DECISION_MISMATCH', '', {});
}

/** Stops the replay without waiting for it (a bundle verified again, or unusable). */
export function closeReplay(s: VerifyState): void {
  s.replay.replay?.close();
}
