import { HighlightStyle, StreamLanguage, syntaxHighlighting, type StreamParser } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';

/**
 * Cedar highlighting for CodeMirror 6. Hand-written because no maintained CodeMirror 6 package for
 * Cedar exists on the registry, and highlighting needs only Cedar's few token kinds; a stream
 * tokenizer is enough for that. It never decides what is valid: every diagnostic comes from
 * Cedar itself (policy.validate), so this file cannot disagree with the engine on meaning.
 */

const KEYWORDS = new Set(['permit', 'forbid', 'when', 'unless', 'if', 'then', 'else', 'in', 'has', 'like', 'is']);
const VARIABLES = new Set(['principal', 'action', 'resource', 'context']);
const ATOMS = new Set(['true', 'false']);

interface CedarState {
  /** Inside a string that continues on the next line (Cedar strings may contain newlines). */
  inString: boolean;
}

function readString(stream: Parameters<StreamParser<CedarState>['token']>[0], state: CedarState): string {
  while (!stream.eol()) {
    const ch = stream.next();
    if (ch === '\\') stream.next();
    else if (ch === '"') {
      state.inString = false;
      return 'string';
    }
  }
  state.inString = true;
  return 'string';
}

export const cedarParser: StreamParser<CedarState> = {
  name: 'cedar',
  startState: () => ({ inString: false }),
  token(stream, state) {
    if (state.inString) return readString(stream, state);
    if (stream.eatSpace()) return null;
    if (stream.match('//')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.eat('"')) return readString(stream, state);
    if (stream.match(/^@[A-Za-z_][A-Za-z0-9_]*/)) return 'meta';
    if (stream.match(/^-?[0-9]+/)) return 'number';
    // A path such as Arx::Action::"InvokeModel" or Arx::Model: the namespace and type names.
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*(?=::)/)) return 'typeName';
    if (stream.match('::')) return 'punctuation';
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null;
    if (word) {
      const w = word[0];
      if (KEYWORDS.has(w)) return 'keyword';
      if (VARIABLES.has(w)) return 'variableName.special';
      if (ATOMS.has(w)) return 'atom';
      // A capitalised word right after `is` or inside a path is a type; after `.` an attribute.
      if (/^[A-Z]/.test(w)) return 'typeName';
      return 'propertyName';
    }
    if (stream.match(/^(==|!=|<=|>=|&&|\|\||[<>!+\-*])/)) return 'operator';
    stream.next();
    return 'punctuation';
  },
  languageData: { commentTokens: { line: '//' } },
};

export const cedarLanguage = StreamLanguage.define(cedarParser);

/** Colours chosen to keep 4.5:1 contrast on both the light and the dark editor background. */
export const cedarHighlightLight = HighlightStyle.define([
  { tag: t.keyword, color: '#7c2d9e', fontWeight: '600' },
  { tag: t.special(t.variableName), color: '#0b5cad' },
  { tag: t.typeName, color: '#006b5e' },
  { tag: t.string, color: '#a3301f' },
  { tag: t.number, color: '#8a4b00' },
  { tag: t.atom, color: '#8a4b00' },
  { tag: t.meta, color: '#5c5c00' },
  { tag: t.comment, color: '#5f6368', fontStyle: 'italic' },
  { tag: t.operator, color: '#3a3a3a' },
]);

export const cedarHighlightDark = HighlightStyle.define([
  { tag: t.keyword, color: '#d7a6ff', fontWeight: '600' },
  { tag: t.special(t.variableName), color: '#8cc4ff' },
  { tag: t.typeName, color: '#6fe0cc' },
  { tag: t.string, color: '#ffa596' },
  { tag: t.number, color: '#ffc46b' },
  { tag: t.atom, color: '#ffc46b' },
  { tag: t.meta, color: '#e6e67a' },
  { tag: t.comment, color: '#a0a4a8', fontStyle: 'italic' },
  { tag: t.operator, color: '#dddddd' },
]);

export const cedarHighlighting = (dark: boolean) => syntaxHighlighting(dark ? cedarHighlightDark : cedarHighlightLight);
