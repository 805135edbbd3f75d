import type { PolicyTest } from '../../../shared/contract/domains/policy-lifecycle';
import { subscribeArx } from '../app/arx-client';

/** What the editor holds of one draft. */
export interface DraftContent {
  text: string;
  tests: PolicyTest[];
  baseSha256: string | null;
}

/**
 * The renderer's copy of each draft, by operator, tenant and policy. The lock screen replaces the
 * console (its sections unmount and their state is gone), so the editor's text is kept here, in
 * module memory, and the editor comes back with the last keystroke after unlock even if main's copy
 * (policy.saveDraft, which also survives a crash) lags by one debounce. Cleared on logout, so the
 * next operator at the workstation never sees it. Never written to storage.
 */
const drafts = new Map<string, DraftContent>();

export const draftKey = (operatorId: string, tenantId: string, policyName: string): string =>
  `${operatorId}\u0000${tenantId}\u0000${policyName}`;

let watching = false;

export function rememberDraft(key: string, content: DraftContent): void {
  if (!watching) {
    watching = true;
    subscribeArx('session.changed', (s) => {
      if (s === null) drafts.clear();
    });
  }
  drafts.set(key, { text: content.text, tests: [...content.tests], baseSha256: content.baseSha256 });
}

export function recallDraft(key: string): DraftContent | undefined {
  const d = drafts.get(key);
  return d && { text: d.text, tests: [...d.tests], baseSha256: d.baseSha256 };
}

export function forgetDraft(key: string): void {
  drafts.delete(key);
}

export function forgetAllDrafts(): void {
  drafts.clear();
}
