import { Alert, Button, Group, Loader, Stack, Text } from '@mantine/core';
import { useCallback, useRef, useState } from 'react';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import type { VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { DEFAULT_POLICY_TEXT } from '../../../shared/policy/templates';
import { useControlPlaneBlocker } from '../shell/ControlPlaneBanner';
import { defaultPolicyTests } from './default-tests';
import { DiagnosticsList } from './DiagnosticsList';
import { DraftToolbar } from './DraftToolbar';
import { saveStateText, submitBlockers } from './draft-status';
import { PolicyEditor, type PolicyEditorHandle } from './PolicyEditor';
import { SubmitDialog } from './SubmitDialog';
import { TestsPanel } from './TestsPanel';
import { useDraft, type UseDraft } from './use-draft';
import { useDraftChecks, type ActionError } from './use-draft-checks';
import { READABLE_ALERT } from './readable';

export interface WorkspaceTenant {
  tenantId: string;
  tenant: string;
  roles: string[];
}

/** Where a draft starts when the operator has none: the active version, else the default policy. */
function useDraftStart(tenantId: string, active: VersionSummary | null) {
  return useCallback(async () => {
    if (active) {
      const v = await callArx((arx) => arx.policy.get({ tenantId, sha256: active.sha256 }));
      if (v.ok)
        return {
          content: { text: v.value.text, tests: v.value.tests, baseSha256: active.sha256 },
          origin: 'version' as const,
        };
    }
    return {
      content: { text: DEFAULT_POLICY_TEXT, tests: defaultPolicyTests(), baseSha256: null },
      origin: 'new' as const,
    };
  }, [active, tenantId]);
}

/** Submit: save the draft now, then open the card dialog for the version digest main answered. */
function useDraftSubmit(draft: UseDraft, setActionError: (e: ActionError | null) => void) {
  const [signing, setSigning] = useState<{ sha256: string; blake3: string } | null>(null);
  const submit = async () => {
    setActionError(null);
    const saved = await draft.flush();
    if (saved.state === 'saved') setSigning(saved.draft.digest);
    else if (saved.state === 'local')
      setActionError({ title: 'The draft could not be saved, so it cannot be submitted', error: saved.error });
  };
  return { signing, setSigning, submit };
}

/**
 * The operator's draft of one policy: the Cedar editor (validated as you type), format, template
 * library, the tests (run on every change) and Submit, which signs the draft's version digest with
 * the author's card.
 */
export function DraftWorkspace({
  operatorId,
  tenant,
  policyName,
  active,
  onSubmitted,
}: {
  operatorId: string;
  tenant: WorkspaceTenant;
  policyName: string;
  active: VersionSummary | null;
  onSubmitted: (v: VersionSummary) => void;
}) {
  const draft = useDraft(operatorId, tenant.tenantId, policyName, useDraftStart(tenant.tenantId, active));
  const offline = useControlPlaneBlocker();
  const editor = useRef<PolicyEditorHandle>(null);
  const [actionError, setActionError] = useState<ActionError | null>(null);
  const { signing, setSigning, submit } = useDraftSubmit(draft, setActionError);
  const text = draft.content?.text ?? '';
  const checks = useDraftChecks(text, draft.content?.tests, setActionError);

  const current = checks.validation;
  const blockers = submitBlockers({
    canAuthor: tenant.roles.includes('policy-author'),
    offline,
    validation: current,
    run: checks.currentRun,
  });

  if (draft.loading || !draft.content) return <OpeningDraft />;

  return (
    <Stack gap="md">
      <DraftToolbar
        text={text}
        editor={editor}
        saveText={saveStateText(draft)}
        validation={current}
        onFormat={() => {
          setActionError(null);
          void formatDraft(text, editor.current, setActionError);
        }}
      />
      {draft.save.state === 'local' && <NotSavedAlert error={draft.save.error} />}
      <PolicyTextField
        label={`Policy text (Cedar) — ${tenant.tenant} / ${policyName}`}
        editor={editor}
        initialText={draft.content.text}
        onChange={(t) => draft.update({ text: t })}
        checks={checks}
      />
      {current && current.diagnostics.length > 0 && (
        <DiagnosticsList diagnostics={current.diagnostics} onReveal={(from, to) => editor.current?.reveal(from, to)} />
      )}
      <TestsPanel
        tests={draft.content.tests}
        run={checks.currentRun}
        running={checks.running}
        policyIds={current?.policyIds ?? []}
        onChange={(t) => draft.update({ tests: t })}
      />
      {actionError && <ErrorNotice error={actionError.error} title={actionError.title} />}
      <SubmitBar blockers={blockers} onSubmit={() => void submit()} />
      {signing && (
        <SubmitDialog
          tenant={tenant}
          policyName={policyName}
          digest={signing}
          policyIds={current?.policyIds ?? []}
          run={checks.currentRun}
          onSubmitted={(v) => {
            setSigning(null);
            onSubmitted(v);
          }}
          onCancel={() => setSigning(null)}
        />
      )}
    </Stack>
  );
}

/** Cedar's canonical layout for the text, as one undoable change. */
async function formatDraft(text: string, editor: PolicyEditorHandle | null, onError: (e: ActionError) => void) {
  const r = await callArx((arx) => arx.policy.format({ text }));
  if (!r.ok) return onError({ title: 'Not formatted', error: r.error });
  if (r.value.changed) editor?.replaceText(r.value.text);
}

function OpeningDraft() {
  return (
    <Group gap="xs">
      <Loader size="xs" aria-hidden="true" />
      <Text size="sm">Opening the draft…</Text>
    </Group>
  );
}

function NotSavedAlert({ error }: { error: ArxError }) {
  return (
    <Alert color="yellow" variant="light" title="Draft not saved in the control plane" styles={READABLE_ALERT}>
      <Text size="sm">
        {error.code}: {error.message} The draft stays in this window (also across a lock), but is lost if the console
        closes.
      </Text>
    </Alert>
  );
}

function PolicyTextField({
  label,
  editor,
  initialText,
  onChange,
  checks,
}: {
  label: string;
  editor: React.RefObject<PolicyEditorHandle | null>;
  initialText: string;
  onChange: (text: string) => void;
  checks: Pick<ReturnType<typeof useDraftChecks>, 'validate' | 'onValidated'>;
}) {
  return (
    <Stack gap={4}>
      <Text component="label" id="policy-editor-label" size="sm" fw={500}>
        {label}
      </Text>
      <Text size="xs" c="dimmed" id="policy-editor-hint">
        Validated against the gateway schema as you type. Ctrl-Shift-M lists the problems, F8 goes to the next one; Tab
        leaves the editor.
      </Text>
      <PolicyEditor
        ref={editor}
        initialText={initialText}
        onChange={onChange}
        validate={checks.validate}
        onValidated={checks.onValidated}
        labelledBy="policy-editor-label"
        describedBy="policy-editor-hint"
      />
    </Stack>
  );
}

function SubmitBar({ blockers, onSubmit }: { blockers: string[]; onSubmit: () => void }) {
  return (
    <Group justify="space-between">
      <Text size="sm" c="dimmed" data-testid="submit-blockers">
        {blockers.length
          ? `Cannot submit yet: ${blockers.join('; ')}.`
          : 'Ready to submit: you sign the version digest with your card.'}
      </Text>
      <Button onClick={onSubmit} disabled={blockers.length > 0}>
        Submit for approval…
      </Button>
    </Group>
  );
}
