import { Alert, Text } from '@mantine/core';
import { ErrorNotice } from '../app/ErrorNotice';
import type { Loadable } from '../app/use-arx-result';
import { cardSlot, readerName, type Reader, type Readers } from './readers';

/** FASC-N agency-system-credential and PI, and the GUID, as the card's CHUID gives them. */
function cardIdentity(id: NonNullable<Reader['identity']>): string {
  const parts: string[] = [];
  if (id.fascn) parts.push(`FASC-N ${id.fascn.agency}-${id.fascn.system}-${id.fascn.credential}, PI ${id.fascn.pi}`);
  if (id.guid) parts.push(`GUID ${id.guid}`);
  return parts.join('; ');
}

/** Whether there is a reader, a card in it, and which. */
export function ReaderState({ readers, chosen }: { readers: Loadable<Readers>; chosen: string | null }) {
  if (readers.state === 'loading') return <Text size="sm">Looking for card readers…</Text>;
  if (readers.state === 'error')
    return <ErrorNotice error={readers.error} title="The card readers could not be read" />;
  const r = readers.value;
  if (r.module === 'unavailable') {
    return (
      <Alert
        color="red"
        variant="outline"
        role="alert"
        title={`Card module unavailable (${r.code ?? 'CARD_MODULE_UNAVAILABLE'})`}
      >
        <Text size="sm">{r.detail}</Text>
      </Alert>
    );
  }
  if (r.readers.length === 0)
    return (
      <Text size="sm" fw={600} data-reader-state="no-reader">
        No card reader found. Connect a reader.{r.detail ? ` ${r.code ? `${r.code}: ` : ''}${r.detail}` : ''}
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
    <>
      <Text size="sm" fw={600} data-reader-state="card-present">
        Card present: {readerName(present)}
      </Text>
      {present.identity && (
        <Text size="sm" data-card-identity>
          Card identity (CHUID): {cardIdentity(present.identity)}
        </Text>
      )}
    </>
  );
}
