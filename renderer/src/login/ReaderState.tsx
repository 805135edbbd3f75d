import { Alert, Text } from '@mantine/core';
import { ErrorNotice } from '../app/ErrorNotice';
import type { Loadable } from '../app/use-arx-result';
import { cardSlot, readerName, type Readers } from './readers';

/** Whether there is a reader, a card in it, and which. */
export function ReaderState({ readers, chosen }: { readers: Loadable<Readers>; chosen: string | null }) {
  if (readers.state === 'loading') return <Text size="sm">Looking for card readers…</Text>;
  if (readers.state === 'error')
    return <ErrorNotice error={readers.error} title="The card readers could not be read" />;
  const r = readers.value;
  if (r.module === 'unavailable') {
    return (
      <Alert color="red" variant="outline" role="alert" title="Card module unavailable">
        <Text size="sm">{r.detail}</Text>
      </Alert>
    );
  }
  if (r.readers.length === 0)
    return (
      <Text size="sm" fw={600} data-reader-state="no-reader">
        No card reader found. Connect a reader.{r.detail ? ` ${r.detail}` : ''}
      </Text>
    );
  const present = cardSlot(r, chosen);
  if (!present)
    return (
      <Text size="sm" fw={600} data-reader-state="no-card">
        No card in the reader ({r.readers.map((x) => x.description).join(', ')}). Insert your card.
      </Text>
    );
  return (
    <Text size="sm" fw={600} data-reader-state="card-present">
      Card present: {readerName(present)}
    </Text>
  );
}
