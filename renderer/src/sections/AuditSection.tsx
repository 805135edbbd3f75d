import { PlannedSection } from './PlannedSection';

export function AuditSection() {
  return (
    <PlannedSection
      title="Audit"
      lead="The tamper-evident record of every gateway decision, chained per tenant and checkpointed in a Merkle tree."
      planned={[
        "Verify a tenant's audit chain end to end and, if it is broken, show the exact sequence number where it breaks.",
        'Check signed checkpoints and inclusion proofs; events after the newest checkpoint are reported as not yet provable.',
        'Explore events (CloudEvents) by time, actor, policy version and decision.',
        'Re-run a recorded decision against the policy version that made it and compare the outcome.',
        'Sign a review of what was verified (fidelity certificate) with your card.',
      ]}
    />
  );
}
