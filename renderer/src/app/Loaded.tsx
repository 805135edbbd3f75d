import { Loader, Table } from '@mantine/core';
import type { ReactNode } from 'react';
import { ErrorNotice } from './ErrorNotice';
import type { Loadable } from './use-arx-result';

/**
 * One read's three states: a labelled loader while it runs, its error envelope if it failed,
 * and `children` with the value once it arrived.
 */
export function Loaded<T>({
  of,
  reading,
  failed,
  children,
}: {
  of: Loadable<T>;
  /** The loader's accessible name, e.g. "Reading the operators". */
  reading: string;
  /** The error notice's title, e.g. "The operators could not be read". */
  failed: string;
  children: (value: T) => ReactNode;
}) {
  if (of.state === 'loading') return <Loader size="sm" aria-label={reading} />;
  if (of.state === 'error') return <ErrorNotice error={of.error} title={failed} />;
  return <>{children(of.value)}</>;
}

/** A table's header row from its column titles (a falsy title leaves its column out). */
export function TableHead({ columns }: { columns: readonly (string | false | null | undefined)[] }) {
  return (
    <Table.Thead>
      <Table.Tr>
        {columns.filter(Boolean).map((c) => (
          <Table.Th key={c as string}>{c}</Table.Th>
        ))}
      </Table.Tr>
    </Table.Thead>
  );
}

/** The value of a read that succeeded, or an empty list while it runs or after it failed. */
export const listOf = <T,>(l: Loadable<readonly T[]>): readonly T[] => (l.state === 'ok' ? l.value : []);
