import { Group, NumberInput, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import type { VerifyRange } from '../../../../shared/contract/domains/audit-verify';

export type RangeKind = VerifyRange['kind'];

export interface RangeDraft {
  kind: RangeKind;
  fromSeq: number | '';
  toSeq: number | '';
  /** datetime-local values (local wall time, as the input gives them). */
  fromTime: string;
  toTime: string;
}

/** The draft as a request range, or a sentence saying what is missing. */
export function toRange(d: RangeDraft): { ok: true; range: VerifyRange } | { ok: false; problem: string } {
  if (d.kind === 'all') return { ok: true, range: { kind: 'all' } };
  if (d.kind === 'seq') {
    if (d.fromSeq === '') return { ok: false, problem: 'Enter the first seq.' };
    if (d.toSeq !== '' && d.toSeq < d.fromSeq)
      return { ok: false, problem: 'The last seq must not be below the first.' };
    return { ok: true, range: { kind: 'seq', from: d.fromSeq, to: d.toSeq === '' ? null : d.toSeq } };
  }
  const a = new Date(d.fromTime);
  const b = new Date(d.toTime);
  if (!d.fromTime || !d.toTime || Number.isNaN(a.getTime()) || Number.isNaN(b.getTime()))
    return { ok: false, problem: 'Enter a start and an end time.' };
  if (b < a) return { ok: false, problem: 'The end time must not be before the start time.' };
  return { ok: true, range: { kind: 'time', from: a.toISOString(), to: b.toISOString() } };
}

/** All events, a seq range, or a time range. */
export function RangePicker({
  value,
  onChange,
  maxSeq,
  disabled,
}: {
  value: RangeDraft;
  onChange: (d: RangeDraft) => void;
  maxSeq: number | null;
  disabled: boolean;
}) {
  return (
    <Stack gap="xs">
      <Text size="sm" fw={500} id="verify-range-label">
        Range
      </Text>
      <SegmentedControl
        aria-labelledby="verify-range-label"
        value={value.kind}
        disabled={disabled}
        onChange={(k) => onChange({ ...value, kind: k as RangeKind })}
        data={[
          { value: 'all', label: 'All events' },
          { value: 'seq', label: 'By seq' },
          { value: 'time', label: 'By time' },
        ]}
      />
      {value.kind === 'seq' && (
        <Group grow align="flex-start">
          <NumberInput
            label="First seq"
            min={0}
            {...(maxSeq !== null ? { max: maxSeq } : {})}
            allowDecimal={false}
            allowNegative={false}
            thousandSeparator=","
            value={value.fromSeq}
            disabled={disabled}
            onChange={(v) => onChange({ ...value, fromSeq: typeof v === 'number' ? v : '' })}
          />
          <NumberInput
            label="Last seq"
            description="Empty: to the end of the chain"
            min={0}
            allowDecimal={false}
            allowNegative={false}
            thousandSeparator=","
            value={value.toSeq}
            disabled={disabled}
            onChange={(v) => onChange({ ...value, toSeq: typeof v === 'number' ? v : '' })}
          />
        </Group>
      )}
      {value.kind === 'time' && (
        <Group grow align="flex-start">
          <TextInput
            type="datetime-local"
            step={1}
            label="From (local time)"
            value={value.fromTime}
            disabled={disabled}
            onChange={(e) => onChange({ ...value, fromTime: e.currentTarget.value })}
          />
          <TextInput
            type="datetime-local"
            step={1}
            label="To (local time)"
            value={value.toTime}
            disabled={disabled}
            onChange={(e) => onChange({ ...value, toTime: e.currentTarget.value })}
          />
        </Group>
      )}
    </Stack>
  );
}
