import type { PolicyTestRun } from './TestsPanel';
import type { PolicyValidation } from './PolicyEditor';
import type { UseDraft } from './use-draft';

const s = (n: number) => (n === 1 ? '' : 's');

/** Why the draft cannot be submitted yet; empty when it can. */
export function submitBlockers({
  canAuthor,
  offline,
  validation,
  run,
}: {
  canAuthor: boolean;
  offline: string | null;
  validation: PolicyValidation | null;
  run: PolicyTestRun | null;
}): string[] {
  const blockers: string[] = [];
  if (!canAuthor) blockers.push('you do not hold the policy-author role in this tenant');
  if (offline) blockers.push(offline);
  if (!validation) blockers.push('validation has not finished');
  else if (!validation.ok) blockers.push(`${validation.errorCount} validation error${s(validation.errorCount)}`);
  if (!run) blockers.push('the tests have not finished');
  else if (run.failed + run.errored > 0)
    blockers.push(`${run.failed + run.errored} test${s(run.failed + run.errored)} not passing`);
  else if (run.results.length === 0) blockers.push('the draft has no tests');
  return blockers;
}

/** The one-line save state next to the toolbar. */
export function saveStateText(draft: Pick<UseDraft, 'save' | 'origin'>): string {
  if (draft.save.state === 'saved')
    return `Draft saved ${new Date(draft.save.draft.savedAt).toISOString().slice(11, 19)} UTC`;
  if (draft.save.state === 'saving') return 'Saving…';
  if (draft.save.state === 'local') return 'Kept in this window only (not saved)';
  if (draft.origin === 'version') return 'Started from the active version (unchanged)';
  if (draft.origin === 'memory') return 'Restored';
  return 'New draft (unchanged)';
}

/** The validation badge's text. */
export function validationText(v: PolicyValidation): string {
  if (!v.ok) return `${v.errorCount} error${s(v.errorCount)}`;
  return v.warningCount ? `valid, ${v.warningCount} warning${s(v.warningCount)}` : 'valid';
}
