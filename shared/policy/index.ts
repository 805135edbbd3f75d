/**
 * The policy engine of the gateway (README.md in this folder): Cedar schema, compile once, decide,
 * validate with located errors, and the com.arx.policy.decided record that replays the decision.
 * The Cedar bindings are passed in (see cedar.ts); this folder never loads WASM by itself.
 */
export type { CedarBindings } from './cedar';
export {
  compilePolicySet,
  decisionFromAnswer,
  MAX_VALUE_DEPTH,
  type CedarEntity,
  type CedarRequest,
  type CedarValue,
  type CompileOptions,
  type EntityUid,
  type PolicyDecision,
  type PolicyEngine,
  type PolicyEvaluationError,
} from './engine';
export {
  POLICY_ERROR_CODES,
  type PolicyDiagnostic,
  type PolicyError,
  type PolicyErrorCode,
  type PolicyResult,
} from './errors';
export { createByteLocator, type ByteLocator, type SourceLocation } from './locations';
export { POLICY_ID_PATTERN, policyVersionOf, type PolicyVersion } from './policy-set';
export { validatePolicies, type PolicyValidationReport } from './validate';
export {
  classificationLevel,
  ENTITY_TYPES,
  GATEWAY_SCHEMA,
  GATEWAY_SCHEMA_VERSION,
  INVOKE_MODEL,
  modelEntityId,
  NAMESPACE,
} from './schema';
export {
  GatewayRequestSchema,
  localTimeOf,
  toCedarRequest,
  type DirectoryModel,
  type DirectoryTeam,
  type DirectoryUser,
  type GatewayDirectory,
  type GatewayRequest,
  type LocalTime,
} from './gateway-request';
export {
  decideGatewayRequest,
  decisionEventData,
  replayDecision,
  type GatewayDecision,
  type PolicyDecidedData,
  type ReplayDifference,
  type ReplayReport,
} from './decision-record';
export { DEFAULT_POLICIES, DEFAULT_POLICY_TEXT, MIN_JUSTIFICATION_LENGTH, type PolicyTemplate } from './templates';
export { DEMO_DIRECTORY } from './demo-directory';
export {
  canonicalTests,
  canonicalText,
  POLICY_VERSION_FORMAT,
  policyVersionDigest,
  policyVersionPreimage,
  type PolicyVersionInput,
} from './version';
export {
  checkSignedVersion,
  loadSignedPolicy,
  POLICY_SIGNATURE_PAYLOAD_TYPE,
  REQUIRED_ROLE,
  selectVerifiedPublication,
  statementBytes,
  type EnrolledCertificate,
  type PolicySignatureStatement,
  type SignatureCheck,
  type SignatureFinding,
  type SignatureVerifier,
  type SignerRole,
  type PublicationCandidate,
  type SignedPolicy,
  type StoredSignature,
  type StoredVersion,
} from './signed-version';
export {
  checkPublication,
  POLICY_PUBLICATION_PAYLOAD_TYPE,
  publicationBytes,
  verifiedPublicationChain,
  type PolicyPublicationStatement,
  type StoredPublication,
} from './publication';
