import { Button, Table } from '@mantine/core';
import { ErrorNotice } from '../app/ErrorNotice';
import { exactBytes, humanSize } from '../app/format';
import { When } from '../app/Readable';
import { useArxResult } from '../app/use-arx-result';

interface Listed {
  name: string;
  path: string;
  bytes: number;
  modifiedAt: string;
}

/** The bundles in the data directory's bundles folder, newest first. */
export function BundleList({ onOpen, disabled }: { onOpen: (path: string) => void; disabled: boolean }) {
  const list = useArxResult((arx) => arx.bundle.list({}));
  if (list.state === 'loading') return null;
  if (list.state === 'error') return <ErrorNotice error={list.error} title="The bundles folder could not be listed" />;
  const bundles: Listed[] = list.value.bundles;
  if (bundles.length === 0) return null;
  return (
    <Table aria-label="Bundles in the data directory">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>File</Table.Th>
          <Table.Th>Size</Table.Th>
          <Table.Th>Written</Table.Th>
          <Table.Th>Action</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {bundles.map((b) => (
          <Table.Tr key={b.path}>
            <Table.Td>{b.name}</Table.Td>
            <Table.Td title={exactBytes(b.bytes)}>{humanSize(b.bytes)}</Table.Td>
            <Table.Td>
              <When iso={b.modifiedAt} relative />
            </Table.Td>
            <Table.Td>
              <Button
                size="xs"
                variant="light"
                onClick={() => onOpen(b.path)}
                aria-label={`Open ${b.name}`}
                disabled={disabled}
              >
                Open
              </Button>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
