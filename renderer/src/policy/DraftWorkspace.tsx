import { Alert, Badge, Button, Group, Loader, Select, Stack, Text } from '@mantine/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ArxError } from '../app/arx-client';
import { callArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { useArxResult } from '../app/use-arx-result';
import type { PolicyTest, VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { DEFAULT_POLICY_TEXT } from '../../../shared/policy/templates';
import { insertTemplate } from '../../../shared/policy/template-library';
import { useControlPlaneBlocker } from '../shell/ControlPlaneBanner';
import { SignDialog } from '../signing/SignDialog';
import { defaultPolicyTests } from './default-tests';
import { DiagnosticsList } from './DiagnosticsList';
import { PolicyEditor, type PolicyEditorHandle, type PolicyValidation } from './PolicyEditor';
import { TestsPanel, type PolicyTestRun } from './TestsPanel';
import { useDraft } from './use-draft';
import { READABLE_BADGE, READABLE_ALERT } from './readable';

const TEST_DELAY_MS = 300;

const CATEGORY_LABEL = {
  classification: 'Classification',
  cost: 'Cost',
  jurisdiction: 'Jurisdiction',
  hours: 'Hours',
  'break-glass': 'Break-glass',
} as const;

export interface WorkspaceTenant {
  tenantId: string;
  tenant: string;
  roles: string[];
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
  const start = useCallback(async () => {
    if (active) {
      const v = await callArx((arx) => arx.policy.get({ tenantId: tenant.tenantId, sha256: active.sha256 }));
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
  }, [active, tenant.tenantId]);
  const draft = useDraft(operatorId, tenant.tenantId, policyName, start);
  const offline = useControlPlaneBlocker();
  const editor = useRef<PolicyEditorHandle>(null);
  const templates = useArxResult((arx) => arx.policy.templates({}));
  const [validated, setValidated] = useState<{ text: string; validation: PolicyValidation | null } | null>(null);
  const [run, setRun] = useState<{ text: string; tests: PolicyTest[]; run: PolicyTestRun | null } | null>(null);
  const [actionError, setActionError] = useState<{ title: string; error: ArxError } | null>(null);
  const [signing, setSigning] = useState<{ sha256: string; blake3: string } | null>(null);

  const text = draft.content?.text ?? '';
  const tests = draft.content?.tests;

  // Tests run on every change of the text or the tests, debounced; a stale answer is dropped.
  useEffect(() => {
    if (tests === undefined) return;
    let live = true;
    const t = setTimeout(() => {
      void callArx((arx) => arx.policy.test({ text, tests })).then((r) => {
        if (!live) return;
        setRun({ text, tests, run: r.ok ? r.value : null });
        if (!r.ok) setActionError({ title: 'The tests could not be run', error: r.error });
      });
    }, TEST_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [text, tests]);

  const validate = useCallback(async (t: string) => {
    const r = await callArx((arx) => arx.policy.validate({ text: t }));
    if (!r.ok) setActionError({ title: 'The policy could not be validated', error: r.error });
    return r.ok ? r.value : null;
  }, []);

  const format = async () => {
    setActionError(null);
    const r = await callArx((arx) => arx.policy.format({ text }));
    if (!r.ok) return setActionError({ title: 'Not formatted', error: r.error });
    if (r.value.changed) editor.current?.replaceText(r.value.text);
  };

  const templateOptions = useMemo(() => {
    if (templates.state !== 'ok') return [];
    const groups = new Map<string, { value: string; label: string }[]>();
    for (const t of templates.value) {
      const g = CATEGORY_LABEL[t.category];
      groups.set(g, [...(groups.get(g) ?? []), { value: t.key, label: t.title }]);
    }
    return [...groups].map(([group, items]) => ({ group, items }));
  }, [templates]);

  const insert = (key: string | null) => {
    if (!key || templates.state !== 'ok') return;
    const t = templates.value.find((x) => x.key === key);
    if (!t) return;
    const ins = insertTemplate(text, t);
    editor.current?.replaceText(ins.text, { from: ins.from, to: ins.to });
    editor.current?.focus();
  };

  const current = validated && validated.text === text ? validated.validation : null;
  const ranCurrent = run !== null && run.text === text && run.tests === tests;
  const currentRun = ranCurrent ? run.run : null;
  const canAuthor = tenant.roles.includes('policy-author');
  const blockers: string[] = [];
  if (!canAuthor) blockers.push('you do not hold the policy-author role in this tenant');
  if (offline) blockers.push(offline);
  if (!current) blockers.push('validation has not finished');
  else if (!current.ok) blockers.push(`${current.errorCount} validation error${current.errorCount === 1 ? '' : 's'}`);
  if (!currentRun) blockers.push('the tests have not finished');
  else if (currentRun.failed + currentRun.errored > 0)
    blockers.push(
      `${currentRun.failed + currentRun.errored} test${currentRun.failed + currentRun.errored === 1 ? '' : 's'} not passing`,
    );
  else if (currentRun.results.length === 0) blockers.push('the draft has no tests');

  const submit = async () => {
    setActionError(null);
    const saved = await draft.flush();
    if (saved.state === 'saved') setSigning(saved.draft.digest);
    else if (saved.state === 'local')
      setActionError({ title: 'The draft could not be saved, so it cannot be submitted', error: saved.error });
  };

  if (draft.loading || !draft.content) {
    return (
      <Group gap="xs">
        <Loader size="xs" aria-hidden="true" />
        <Text size="sm">Opening the draft…</Text>
      </Group>
    );
  }

  const saveText =
    draft.save.state === 'saved'
      ? `Draft saved ${new Date(draft.save.draft.savedAt).toISOString().slice(11, 19)} UTC`
      : draft.save.state === 'saving'
        ? 'Saving…'
        : draft.save.state === 'local'
          ? 'Kept in this window only (not saved)'
          : draft.origin === 'version'
            ? 'Started from the active version (unchanged)'
            : draft.origin === 'memory'
              ? 'Restored'
              : 'New draft (unchanged)';

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Group gap="xs" align="flex-end">
          <Button variant="default" onClick={() => void format()}>
            Format
          </Button>
          <Select
            label="Insert a template"
            placeholder="Choose a rule…"
            data={templateOptions}
            value={null}
            onChange={insert}
            w={320}
            searchable
            disabled={templates.state !== 'ok'}
          />
        </Group>
        <Group gap="xs">
          <Text size="sm" c="dimmed" role="status" aria-live="polite" data-testid="draft-save-state">
            {saveText}
          </Text>
          {current && (
            <Badge
              styles={READABLE_BADGE}
              color={current.ok ? (current.warningCount ? 'yellow' : 'green') : 'red'}
              variant="light"
              data-testid="validation-badge"
            >
              {current.ok
                ? current.warningCount
                  ? `valid, ${current.warningCount} warning${current.warningCount === 1 ? '' : 's'}`
                  : 'valid'
                : `${current.errorCount} error${current.errorCount === 1 ? '' : 's'}`}
            </Badge>
          )}
        </Group>
      </Group>
      {draft.save.state === 'local' && (
        <Alert color="yellow" variant="light" title="Draft not saved in the control plane" styles={READABLE_ALERT}>
          <Text size="sm">
            {draft.save.error.code}: {draft.save.error.message} The draft stays in this window (also across a lock), but
            is lost if the console closes.
          </Text>
        </Alert>
      )}
      <Stack gap={4}>
        <Text component="label" id="policy-editor-label" size="sm" fw={500}>
          Policy text (Cedar) — {tenant.tenant} / {policyName}
        </Text>
        <Text size="xs" c="dimmed" id="policy-editor-hint">
          Validated against the gateway schema as you type. Ctrl-Shift-M lists the problems, F8 goes to the next one;
          Tab leaves the editor.
        </Text>
        <PolicyEditor
          ref={editor}
          initialText={draft.content.text}
          onChange={(t) => draft.update({ text: t })}
          validate={validate}
          onValidated={(t, v) => setValidated({ text: t, validation: v })}
          labelledBy="policy-editor-label"
          describedBy="policy-editor-hint"
        />
      </Stack>
      {current && current.diagnostics.length > 0 && (
        <DiagnosticsList diagnostics={current.diagnostics} onReveal={(from, to) => editor.current?.reveal(from, to)} />
      )}
      <TestsPanel
        tests={draft.content.tests}
        run={currentRun}
        running={!ranCurrent}
        policyIds={current?.policyIds ?? []}
        onChange={(t) => draft.update({ tests: t })}
      />
      {actionError && <ErrorNotice error={actionError.error} title={actionError.title} />}
      <Group justify="space-between">
        <Text size="sm" c="dimmed" data-testid="submit-blockers">
          {blockers.length
            ? `Cannot submit yet: ${blockers.join('; ')}.`
            : 'Ready to submit: you sign the version digest with your card.'}
        </Text>
        <Button onClick={() => void submit()} disabled={blockers.length > 0}>
          Submit for approval…
        </Button>
      </Group>
      {signing && (
        <SignDialog
          opened
          title="Sign and submit the policy version"
          purpose={`You submit this version of ${tenant.tenant}'s ${policyName} policy for approval, as its author.`}
          details={[
            ['Statement', `Policy version ${signing.sha256} of ${policyName} (author)`],
            ['Tenant', tenant.tenant],
            ['Version SHA-256', signing.sha256],
            ['Version BLAKE3', signing.blake3],
            ['Policies', (current?.policyIds ?? []).join(', ')],
            ['Tests', currentRun ? `${currentRun.passed} of ${currentRun.results.length} pass` : ''],
          ]}
          onSign={(pin) =>
            callArx((arx) => arx.policy.submit({ tenantId: tenant.tenantId, policyName, sha256: signing.sha256, pin }))
          }
          onSigned={(v) => {
            setSigning(null);
            onSubmitted(v);
          }}
          onCancel={() => setSigning(null)}
        />
      )}
    </Stack>
  );
}
