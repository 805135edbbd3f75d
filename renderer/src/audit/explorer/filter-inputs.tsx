import { NumberInput, TextInput } from '@mantine/core';
import { useState } from 'react';

/** A text filter that applies on Enter or blur, and only when valid. */
export function Typed(props: {
  label: string;
  placeholder: string;
  value: string | undefined;
  valid?: RegExp;
  onCommit: (v: string | null) => void;
  w: number;
}) {
  // Keyed by the applied value in FilterBar: a new value from outside starts a new draft.
  const [draft, setDraft] = useState(props.value ?? '');
  const bad = draft !== '' && props.valid !== undefined && !props.valid.test(draft.trim());
  const commit = () => {
    const v = draft.trim();
    if (bad || v === (props.value ?? '')) return;
    props.onCommit(v === '' ? null : v);
  };
  return (
    <TextInput
      label={props.label}
      placeholder={props.placeholder}
      value={draft}
      w={props.w}
      error={bad ? 'UTC time like 2026-11-25T12:00:00Z' : undefined}
      onChange={(e) => setDraft(e.currentTarget.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}

/** A cents filter that applies on Enter or blur. */
export function Cost(props: { label: string; value: number | undefined; onCommit: (v: number | null) => void }) {
  const [draft, setDraft] = useState<string | number>(props.value ?? '');
  const commit = () => {
    const v = draft === '' ? null : Math.max(0, Math.round(Number(draft)));
    if (v !== (props.value ?? null) && (v === null || Number.isFinite(v))) props.onCommit(v);
  };
  return (
    <NumberInput
      label={props.label}
      value={draft}
      onChange={setDraft}
      min={0}
      allowDecimal={false}
      w={130}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}
