import type { EventData } from '../events/types';
import type { CedarRequest, PolicyDecision, PolicyEngine } from './engine';
import { policyFail, policyOk, type PolicyResult } from './errors';
import { toCedarRequest, type GatewayDirectory } from './gateway-request';
import type { PolicyVersion } from './policy-set';

/**
 * The `com.arx.policy.decided` record: the decision together with everything needed to make it
 * again without the gateway, the model or the directory (docs/events.md). Replay takes the record,
 * the policy text of the version it names, and nothing else.
 */
export type PolicyDecidedData = EventData<'com.arx.policy.decided'>;

/**
 * Builds the event data. The request is copied through JSON so that what is recorded is exactly
 * what a reader of the event will get back (no undefined members, no shared references).
 */
export function decisionEventData(
  version: PolicyVersion,
  requestId: string,
  request: CedarRequest,
  decided: PolicyDecision,
): PolicyDecidedData {
  const r = JSON.parse(JSON.stringify(request)) as CedarRequest;
  return {
    requestId,
    decision: decided.decision,
    determiningPolicies: [...decided.determiningPolicies],
    errors: decided.errors.map((e) => ({ policyId: e.policyId, message: e.message })),
    policyVersion: { sha256: version.sha256, blake3: version.blake3 },
    principal: r.principal,
    action: r.action,
    resource: r.resource,
    context: r.context,
    entities: r.entities,
  };
}

export interface GatewayDecision {
  decision: PolicyDecision;
  /** The data of the com.arx.policy.decided event to append to the audit chain. */
  event: PolicyDecidedData;
}

/** Decides a gateway request and returns the record of the decision. */
export function decideGatewayRequest(
  engine: PolicyEngine,
  input: unknown,
  directory: GatewayDirectory,
): PolicyResult<GatewayDecision> {
  const request = toCedarRequest(input, directory);
  if (!request.ok) return request;
  const decided = engine.evaluate(request.value);
  if (!decided.ok) return decided;
  const requestId = (input as { requestId: string }).requestId;
  return policyOk({
    decision: decided.value,
    event: decisionEventData(engine.version, requestId, request.value, decided.value),
  });
}

export type ReplayDifference =
  | 'decision'
  | 'determiningPolicies'
  /** A different set of policies failed to evaluate. */
  | 'errors'
  /** The same policies failed, with different messages (e.g. another Cedar version words them differently). */
  | 'errorMessages';

export interface ReplayReport {
  /** Same decision, same determining policies, same erroring policies. Message wording alone does not break a match. */
  matches: boolean;
  differences: ReplayDifference[];
  replayed: PolicyDecision;
}

/**
 * Decides a recorded request again with `engine`, which must be compiled from the policy version
 * the record names (POLICY_VERSION_MISMATCH otherwise), and compares the outcome with the record.
 */
export function replayDecision(engine: PolicyEngine, recorded: PolicyDecidedData): PolicyResult<ReplayReport> {
  try {
    return replayUnguarded(engine, recorded);
  } catch (e) {
    // Only a record that is not com.arx.policy.decided data at all gets here.
    return policyFail('POLICY_REQUEST_INVALID', `the record could not be read: ${String(e)}`);
  }
}

function replayUnguarded(engine: PolicyEngine, recorded: PolicyDecidedData): PolicyResult<ReplayReport> {
  const v = recorded.policyVersion;
  if (v.sha256 !== engine.version.sha256 || v.blake3 !== engine.version.blake3) {
    return policyFail(
      'POLICY_VERSION_MISMATCH',
      `the decision was made by policy version ${v.sha256}, not ${engine.version.sha256}`,
      {
        recorded: v,
        loaded: engine.version,
      },
    );
  }
  const replayed = engine.evaluate({
    principal: recorded.principal,
    action: recorded.action,
    resource: recorded.resource,
    context: recorded.context as CedarRequest['context'],
    entities: recorded.entities as CedarRequest['entities'],
  });
  if (!replayed.ok) return replayed;
  const now = replayed.value;
  const differences: ReplayDifference[] = [];
  if (now.decision !== recorded.decision) differences.push('decision');
  // Both lists are sorted when recorded; compared as written, so a reordered record does not match.
  if (!sameList(now.determiningPolicies, recorded.determiningPolicies)) differences.push('determiningPolicies');
  if (
    !sameList(
      now.errors.map((e) => e.policyId),
      recorded.errors.map((e) => e.policyId),
    )
  )
    differences.push('errors');
  else if (
    !sameList(
      now.errors.map((e) => e.message),
      recorded.errors.map((e) => e.message),
    )
  )
    differences.push('errorMessages');
  return policyOk({ matches: differences.every((d) => d === 'errorMessages'), differences, replayed: now });
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);
