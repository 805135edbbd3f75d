import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, indentOnInput } from '@codemirror/language';
import { lintGutter, linter, lintKeymap, type Diagnostic } from '@codemirror/lint';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { useComputedColorScheme } from '@mantine/core';
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { readStyleNonce } from '../app/style-nonce';
import { cedarHighlighting, cedarLanguage } from './cedar-language';
import classes from './policy.module.css';

export type PolicyValidation = ResponseOf<'policy.validate'>;
export type EditorDiagnostic = PolicyValidation['diagnostics'][number];

export interface PolicyEditorHandle {
  /** Replaces the whole text (format, template insertion) as one undoable change; selects [select.from, select.to) when given. */
  replaceText(text: string, select?: { from: number; to: number }): void;
  /** Moves the cursor to a diagnostic's range and focuses the editor. */
  reveal(from: number, to: number): void;
  focus(): void;
}

export interface PolicyEditorProps {
  initialText: string;
  onChange: (text: string) => void;
  /** Validates a text (policy.validate through window.arx); null when the call itself failed. */
  validate: (text: string) => Promise<PolicyValidation | null>;
  /** The latest validation and the exact text it is for. */
  onValidated: (text: string, validation: PolicyValidation | null) => void;
  /** Milliseconds after the last keystroke before validating. */
  delay?: number;
  labelledBy: string;
  describedBy?: string;
}

/** A Cedar diagnostic as CodeMirror's lint shows it: underlined range, message, then Cedar's help. */
export function toLintDiagnostic(d: EditorDiagnostic, docLength: number): Diagnostic {
  const from = Math.min(d.range?.from ?? 0, docLength);
  const to = Math.min(Math.max(d.range?.to ?? from, from), docLength);
  return {
    from,
    to,
    severity: d.severity,
    source: d.code,
    message: d.help ? `${d.message}\nHelp: ${d.help}` : d.message,
    markClass: d.severity === 'error' ? 'arx-cedar-error' : 'arx-cedar-warning',
  };
}

/** The editable area's accessible name, description and role. */
function contentAttributes(labelledBy: string, describedBy: string | undefined): Record<string, string> {
  return {
    'aria-labelledby': labelledBy,
    ...(describedBy ? { 'aria-describedby': describedBy } : {}),
    'aria-multiline': 'true',
    // contenteditable is focusable already; the explicit tabindex lets checkers (axe) see that
    // the scrolling region has a keyboard-focusable child.
    tabindex: '0',
    role: 'textbox',
    spellcheck: 'false',
    'data-testid': 'policy-editor-content',
  };
}

/**
 * The Cedar editor (CodeMirror 6). Validation runs through @codemirror/lint's linter, which waits
 * `delay` ms after the last change and drops answers for a text that has since changed. Tab is
 * left to the browser (no indentWithTab) so that keyboard users can leave the editor; Ctrl-Shift-M
 * opens the list of diagnostics, F8 moves to the next one.
 */
export const PolicyEditor = forwardRef<PolicyEditorHandle, PolicyEditorProps>(function PolicyEditor(
  { initialText, onChange, validate, onValidated, delay = 250, labelledBy, describedBy },
  ref,
) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const theme = useRef(new Compartment());
  const dark = useComputedColorScheme('light') === 'dark';
  // Callbacks change every render; the editor is created once and reads the latest through refs.
  const latest = useRef({ onChange, validate, onValidated });
  latest.current = { onChange, validate, onValidated };

  useEffect(() => {
    const lint = linter(
      async (v) => {
        const text = v.state.doc.toString();
        const result = await latest.current.validate(text);
        latest.current.onValidated(text, result);
        if (!result) return [];
        return result.diagnostics.map((d) => toLintDiagnostic(d, text.length));
      },
      { delay },
    );
    const state = EditorState.create({
      doc: initialText,
      extensions: [
        lineNumbers(),
        history(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        cedarLanguage,
        theme.current.of(cedarHighlighting(dark)),
        lint,
        lintGutter(),
        keymap.of([...defaultKeymap, ...historyKeymap, ...lintKeymap]),
        EditorView.cspNonce.of(readStyleNonce()),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of(contentAttributes(labelledBy, describedBy)),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) latest.current.onChange(u.state.doc.toString());
        }),
      ],
    });
    const v = new EditorView({ state, parent: host.current! });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // Created once per mount; later text changes come from the user or replaceText.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: theme.current.reconfigure(cedarHighlighting(dark)) });
  }, [dark]);

  useImperativeHandle(ref, () => ({
    replaceText(text, select) {
      const v = view.current;
      if (!v) return;
      v.dispatch({
        changes: { from: 0, to: v.state.doc.length, insert: text },
        ...(select ? { selection: { anchor: select.from, head: select.to }, scrollIntoView: true } : {}),
      });
    },
    reveal(from, to) {
      const v = view.current;
      if (!v) return;
      const len = v.state.doc.length;
      v.dispatch({ selection: { anchor: Math.min(from, len), head: Math.min(to, len) }, scrollIntoView: true });
      v.focus();
    },
    focus() {
      view.current?.focus();
    },
  }));

  return <div ref={host} className={classes.editor} data-testid="policy-editor" />;
});
