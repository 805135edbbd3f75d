import { Badge, Group, Text, Title } from '@mantine/core';
import type { EditorDiagnostic } from './PolicyEditor';
import classes from './policy.module.css';
import { READABLE_BADGE } from './readable';

/**
 * The validation findings as a list: the keyboard and screen-reader path to what the editor
 * underlines. Activating one puts the cursor on its range.
 */
export function DiagnosticsList({
  diagnostics,
  onReveal,
}: {
  diagnostics: readonly EditorDiagnostic[];
  onReveal: (from: number, to: number) => void;
}) {
  return (
    <section aria-labelledby="policy-diagnostics-heading">
      <Title order={3} size="h5" id="policy-diagnostics-heading" mb={4}>
        Problems ({diagnostics.length})
      </Title>
      <ul className={classes.diagnostics} data-testid="policy-diagnostics">
        {diagnostics.map((d, i) => (
          <li key={i}>
            <button
              type="button"
              className={classes.diagButton}
              onClick={() => d.range && onReveal(d.range.from, d.range.to)}
            >
              <Group gap={6} wrap="nowrap" align="flex-start">
                <Badge
                  styles={READABLE_BADGE}
                  size="sm"
                  color={d.severity === 'error' ? 'red' : 'yellow'}
                  variant="light"
                >
                  {d.severity}
                </Badge>
                <div>
                  <Text size="sm">
                    {d.range ? `Line ${d.range.line}, column ${d.range.column}: ` : ''}
                    {d.message}
                    {d.policyId ? ` (${d.policyId})` : ''}
                  </Text>
                  {d.help && (
                    <Text size="xs" c="dimmed" className={classes.help}>
                      Help: {d.help}
                    </Text>
                  )}
                </div>
              </Group>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
