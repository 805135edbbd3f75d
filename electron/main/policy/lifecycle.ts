import type { Draft, VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { approvalDelivery, approve } from './lifecycle-approval';
import { LifecycleContext, type ApprovalResult, type DiffSide, type LifecycleDeps } from './lifecycle-context';
import { discardDraft, getDraft, saveDraft } from './lifecycle-drafts';
import { detail, history, list, resolveRef, summary } from './lifecycle-read';
import { approveRollback, requestRollback } from './lifecycle-rollback';
import { publish, reject, submit } from './lifecycle-steps';

export {
  APPROVAL_OUTBOX_KIND,
  queuedApprovalTenant,
  type ApprovalResult,
  type DiffSide,
  type LifecycleAuth,
  type LifecycleDeps,
  type QueuedApproval,
} from './lifecycle-context';
export { submissionBlockers } from './lifecycle-drafts';

/**
 * The policy lifecycle (docs/policy-versions.md): draft → submitted (author's card signature) →
 * approved (a different operator with the approver role signs) → published → superseded; rollback
 * needs a requester's and a different approver's signatures. Each step is one transaction in the
 * tenant, whose audit event is appended before the transaction commits (a failed append rolls the
 * step back), and every signature is verified against the enrolled certificate before it is
 * stored. The steps live in lifecycle-*.ts; this class is their one entry point.
 */
export class PolicyLifecycle {
  private readonly ctx: LifecycleContext;

  constructor(deps: LifecycleDeps) {
    this.ctx = new LifecycleContext(deps);
  }

  getDraft(tenantId: string, policyName: string): Promise<Draft | null> {
    return getDraft(this.ctx, tenantId, policyName);
  }

  saveDraft(req: Parameters<typeof saveDraft>[1]): Promise<Draft> {
    return saveDraft(this.ctx, req);
  }

  discardDraft(tenantId: string, policyName: string): Promise<boolean> {
    return discardDraft(this.ctx, tenantId, policyName);
  }

  submit(req: { tenantId: string; policyName: string; sha256: string; pin: string }): Promise<VersionSummary> {
    return submit(this.ctx, req);
  }

  approve(req: { tenantId: string; sha256: string; pin: string }): Promise<ApprovalResult> {
    return approve(this.ctx, req);
  }

  /** The outbox delivery of approvals signed offline (kind APPROVAL_OUTBOX_KIND). */
  approvalDelivery(): ReturnType<typeof approvalDelivery> {
    return approvalDelivery(this.ctx);
  }

  reject(req: { tenantId: string; sha256: string }): Promise<VersionSummary> {
    return reject(this.ctx, req);
  }

  publish(req: { tenantId: string; sha256: string; pin: string }): Promise<VersionSummary> {
    return publish(this.ctx, req);
  }

  requestRollback(req: { tenantId: string; sha256: string; pin: string }) {
    return requestRollback(this.ctx, req);
  }

  approveRollback(req: { tenantId: string; rollbackId: string; pin: string }) {
    return approveRollback(this.ctx, req);
  }

  resolveRef(
    tenantId: string,
    ref: { sha256: string } | { draft: string } | { empty: true },
  ): Promise<DiffSide | null> {
    return resolveRef(this.ctx, tenantId, ref);
  }

  summary(tenantId: string, sha256: string): Promise<VersionSummary> {
    return summary(this.ctx, tenantId, sha256);
  }

  detail(tenantId: string, sha256: string) {
    return detail(this.ctx, tenantId, sha256);
  }

  list(tenantId: string) {
    return list(this.ctx, tenantId);
  }

  history(tenantId: string, policyName: string) {
    return history(this.ctx, tenantId, policyName);
  }
}
