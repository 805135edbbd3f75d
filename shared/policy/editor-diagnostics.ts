import type { PolicyDiagnostic } from './errors';
import type { PolicyValidationReport } from './validate';

/**
 * A finding as the editor shows it: a UTF-16 range of the editor's text (CodeMirror positions),
 * the character line/column a person reads, and Cedar's help text. The conversion from Cedar's
 * UTF-8 byte offsets happened in locations.ts; this only flattens errors and warnings into one
 * list in text order, which is what @codemirror/lint takes.
 */
export interface EditorDiagnostic {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  help: string | null;
  policyId: string | null;
  /** null when the finding is about the whole text (e.g. Cedar failed) or the schema. */
  range: { from: number; to: number; line: number; column: number; endLine: number; endColumn: number } | null;
}

export function toEditorDiagnostic(d: PolicyDiagnostic, severity: EditorDiagnostic['severity']): EditorDiagnostic {
  const loc = d.source === 'schema' ? undefined : d.location;
  return {
    severity,
    code: d.code,
    message: d.message,
    help: d.help ?? null,
    policyId: d.policyId ?? null,
    range: loc
      ? {
          from: loc.start,
          to: loc.end,
          line: loc.line,
          column: loc.column,
          endLine: loc.endLine,
          endColumn: loc.endColumn,
        }
      : null,
  };
}

export function editorDiagnostics(report: PolicyValidationReport): EditorDiagnostic[] {
  const all = [
    ...report.errors.map((d) => toEditorDiagnostic(d, 'error')),
    ...report.warnings.map((d) => toEditorDiagnostic(d, 'warning')),
  ];
  const at = (d: EditorDiagnostic) => d.range?.from ?? -1;
  return all.sort((a, b) => at(a) - at(b) || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
}
