import type { VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { callArx } from '../app/arx-client';
import { SignDialog } from '../signing/SignDialog';
import type { WorkspaceTenant } from './DraftWorkspace';
import type { PolicyTestRun } from './TestsPanel';

/** The author's signature over the draft's version digest, which submits it for approval. */
export function SubmitDialog({
  tenant,
  policyName,
  digest,
  policyIds,
  run,
  onSubmitted,
  onCancel,
}: {
  tenant: WorkspaceTenant;
  policyName: string;
  digest: { sha256: string; blake3: string };
  policyIds: string[];
  run: PolicyTestRun | null;
  onSubmitted: (v: VersionSummary) => void;
  onCancel: () => void;
}) {
  return (
    <SignDialog
      opened
      title="Sign and submit the policy version"
      purpose={`You submit this version of ${tenant.tenant}'s ${policyName} policy for approval, as its author.`}
      details={[
        ['Statement', `Policy version ${digest.sha256} of ${policyName} (author)`],
        ['Tenant', tenant.tenant],
        ['Version SHA-256', digest.sha256],
        ['Version BLAKE3', digest.blake3],
        ['Policies', policyIds.join(', ')],
        ['Tests', run ? `${run.passed} of ${run.results.length} pass` : ''],
      ]}
      onSign={(pin) =>
        callArx((arx) => arx.policy.submit({ tenantId: tenant.tenantId, policyName, sha256: digest.sha256, pin }))
      }
      onSigned={onSubmitted}
      onCancel={onCancel}
    />
  );
}
