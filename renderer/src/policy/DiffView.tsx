import { Badge, Group, Loader, Select, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ArxError } from '../app/arx-client';
import { callArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import type { ResponseOf } from '../../../shared/contract';
import type { VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import classes from './policy.module.css';
import { READABLE_BADGE } from './readable';

type Diff = ResponseOf<'policy.diff'>;
export type Ref = { sha256: string } | { draft: string } | { empty: true };

const refOf = (value: string, policyName: string): Ref =>
  value === 'draft' ? { draft: policyName } : value === 'empty' ? { empty: true } : { sha256: value };
const short = (sha: string) => sha.slice(0, 12);

/** Text diff and the policies added, removed or changed by @id between two versions or a version and the draft (policy.diff). */
export function DiffView({
  tenantId,
  policyName,
  versions,
}: {
  tenantId: string;
  policyName: string;
  versions: VersionSummary[];
}) {
  const options = [
    { value: 'draft', label: 'My draft' },
    ...versions.map((v) => ({
      value: v.sha256,
      label: `${short(v.sha256)} · ${v.state}${v.active ? ' (active)' : ''}`,
    })),
    { value: 'empty', label: 'Nothing (empty)' },
  ];
  // By default: what the newest version changes against the active one (what an approver reviews),
  // or against the version before it when the newest is the active one.
  const newest = versions[0];
  const active = versions.find((v) => v.active);
  const [to, setTo] = useState<string>(newest?.sha256 ?? 'draft');
  const [from, setFrom] = useState<string>(
    active && active !== newest ? active.sha256 : (versions[1]?.sha256 ?? 'empty'),
  );
  const diff = useVersionDiff(tenantId, refOf(from, policyName), refOf(to, policyName));

  return (
    <section aria-labelledby="policy-diff-heading">
      <Title order={3} size="h4" id="policy-diff-heading" mb="xs">
        Compare versions
      </Title>
      <Group gap="sm" mb="sm">
        <Select
          label="From"
          data={options}
          value={from}
          onChange={(v) => v && setFrom(v)}
          allowDeselect={false}
          w={280}
        />
        <Select label="To" data={options} value={to} onChange={(v) => v && setTo(v)} allowDeselect={false} w={280} />
      </Group>
      <DiffBody diff={diff} />
    </section>
  );
}

type DiffState = { state: 'loading' } | { state: 'ok'; value: Diff } | { state: 'error'; error: ArxError };

/** policy.diff between two references; a stale answer is dropped. */
export function useVersionDiff(tenantId: string, from: Ref, to: Ref): DiffState {
  // The references as text, so that equal references given as new objects do not ask again.
  const fromText = JSON.stringify(from);
  const toText = JSON.stringify(to);
  const key = `${tenantId}|${fromText}|${toText}`;
  const [answer, setAnswer] = useState<{ key: string; diff: DiffState } | null>(null);
  useEffect(() => {
    let live = true;
    const request = { tenantId, from: JSON.parse(fromText) as Ref, to: JSON.parse(toText) as Ref };
    void callArx((arx) => arx.policy.diff(request)).then((r) => {
      if (live)
        setAnswer({
          key: `${request.tenantId}|${fromText}|${toText}`,
          diff: r.ok ? { state: 'ok', value: r.value } : { state: 'error', error: r.error },
        });
    });
    return () => {
      live = false;
    };
  }, [tenantId, fromText, toText]);
  return answer && answer.key === key ? answer.diff : { state: 'loading' };
}

/** The summary by @id and the text diff of one policy.diff answer. */
export function DiffBody({ diff, maxHeight, context }: { diff: DiffState; maxHeight?: number; context?: number }) {
  const lines = diff.state === 'ok' ? nearChanges(diff.value.lines, context) : [];
  return (
    <>
      {diff.state === 'loading' && <Loader size="xs" aria-label="Computing the diff" />}
      {diff.state === 'error' && <ErrorNotice error={diff.error} title="The diff could not be computed" />}
      {diff.state === 'ok' && (
        <Stack gap="xs">
          <Group gap="xs" data-testid="diff-summary">
            {diff.value.added.map((id) => (
              <Badge styles={READABLE_BADGE} key={`a-${id}`} color="green" variant="light">
                added {id}
              </Badge>
            ))}
            {diff.value.removed.map((id) => (
              <Badge styles={READABLE_BADGE} key={`r-${id}`} color="red" variant="light">
                removed {id}
              </Badge>
            ))}
            {diff.value.changed.map((id) => (
              <Badge styles={READABLE_BADGE} key={`c-${id}`} color="blue" variant="light">
                changed {id}
              </Badge>
            ))}
            <Text size="sm" c="dimmed">
              {diff.value.unchanged.length} unchanged{diff.value.testsChanged ? '; tests changed' : ''}
              {diff.value.schemaChanged ? '; schema changed' : ''}
            </Text>
          </Group>
          {diff.value.problem && (
            <Text size="sm" c="orange">
              {diff.value.problem}
            </Text>
          )}
          <div
            className={classes.diffBox}
            role="region"
            aria-label="Text diff"
            tabIndex={0}
            style={maxHeight ? { maxHeight, overflow: 'auto' } : undefined}
          >
            {lines.map((l, i) =>
              typeof l === 'number' ? (
                <div key={i} className={classes.diffLine}>
                  {`  … ${l} unchanged line${l === 1 ? '' : 's'}`}
                </div>
              ) : (
                <div
                  key={i}
                  className={`${classes.diffLine} ${l.kind === 'added' ? classes.diffAdded : l.kind === 'removed' ? classes.diffRemoved : ''}`}
                >
                  {l.kind === 'added' ? '+ ' : l.kind === 'removed' ? '- ' : '  '}
                  {l.text}
                </div>
              ),
            )}
            {diff.value.lines.length === 0 && (
              <Text size="sm" c="dimmed" p="xs">
                No differences in the text.
              </Text>
            )}
          </div>
        </Stack>
      )}
    </>
  );
}

type DiffLine = Diff['lines'][number];

/** With `context`, only the changed lines and that many around them; a number stands for the lines left out. */
function nearChanges(lines: readonly DiffLine[], context: number | undefined): (DiffLine | number)[] {
  if (context === undefined) return [...lines];
  const keep = lines.map(() => false);
  lines.forEach((l, i) => {
    if (l.kind === 'context') return;
    for (let j = Math.max(0, i - context); j <= Math.min(lines.length - 1, i + context); j++) keep[j] = true;
  });
  const out: (DiffLine | number)[] = [];
  lines.forEach((l, i) => {
    const last = out[out.length - 1];
    if (keep[i]) out.push(l);
    else if (typeof last === 'number') out[out.length - 1] = last + 1;
    else out.push(1);
  });
  return out;
}
