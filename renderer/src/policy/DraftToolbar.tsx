import { Badge, Button, Group, Select, Text } from '@mantine/core';
import { useMemo } from 'react';
import { insertTemplate } from '../../../shared/policy/template-library';
import { useArxResult } from '../app/use-arx-result';
import { validationText } from './draft-status';
import type { PolicyEditorHandle, PolicyValidation } from './PolicyEditor';
import { READABLE_BADGE } from './readable';

const CATEGORY_LABEL = {
  classification: 'Classification',
  cost: 'Cost',
  jurisdiction: 'Jurisdiction',
  hours: 'Hours',
  'break-glass': 'Break-glass',
} as const;

/** Format, the template library, the save state and the validation badge above the editor. */
export function DraftToolbar({
  text,
  editor,
  saveText,
  validation,
  onFormat,
}: {
  text: string;
  editor: React.RefObject<PolicyEditorHandle | null>;
  saveText: string;
  validation: PolicyValidation | null;
  onFormat: () => void;
}) {
  const templates = useArxResult((arx) => arx.policy.templates({}));
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

  return (
    <Group justify="space-between" align="flex-end">
      <Group gap="xs" align="flex-end">
        <Button variant="default" onClick={onFormat}>
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
        {validation && (
          <Badge
            styles={READABLE_BADGE}
            color={validation.ok ? (validation.warningCount ? 'yellow' : 'green') : 'red'}
            variant="light"
            data-testid="validation-badge"
          >
            {validationText(validation)}
          </Badge>
        )}
      </Group>
    </Group>
  );
}
