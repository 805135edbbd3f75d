import { Button, Checkbox, Group, PasswordInput, Select, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { callArx, type ArxError } from '../app/arx-client';
import type { RunCacheAction } from './use-cache-panel';

type Reader = { slot: string; tokenLabel: string | null; tokenPresent: boolean };

/** Wraps the cache key to another card's Key Management key (9D). */
export function RewrapSection({
  open,
  busy,
  run,
  onError,
}: {
  open: boolean;
  busy: string | null;
  run: RunCacheAction;
  onError: (e: ArxError) => void;
}) {
  const [readers, setReaders] = useState<Reader[]>([]);
  const [slot, setSlot] = useState<string | null>(null);
  const [removeOthers, setRemoveOthers] = useState(false);

  async function loadReaders() {
    const r = await callArx((arx) => arx.card.readers({}));
    if (r.ok)
      setReaders(
        r.value.readers
          .filter((x) => x.tokenPresent)
          .map((x) => ({ slot: x.slot, tokenLabel: x.tokenLabel, tokenPresent: x.tokenPresent })),
      );
    else onError(r.error);
  }

  return (
    <section aria-labelledby="cache-rewrap-heading">
      <Title order={3} id="cache-rewrap-heading" mb="xs">
        Move the cache to another card
      </Title>
      <Text size="sm" mb="xs">
        With the cache open and the new card in a reader, wrap the key to the new card&apos;s Key Management key (9D).
      </Text>
      <Group align="flex-end" gap="sm">
        <Select
          label="Card"
          placeholder="Choose a card"
          data={readers.map((r) => ({ value: r.slot, label: r.tokenLabel ?? `reader ${r.slot}` }))}
          value={slot}
          onChange={setSlot}
          onDropdownOpen={() => void loadReaders()}
          disabled={!open}
        />
        <Checkbox
          label="Remove the other cards"
          checked={removeOthers}
          onChange={(e) => setRemoveOthers(e.currentTarget.checked)}
          disabled={!open}
        />
        <Button
          variant="default"
          disabled={!open || !slot}
          loading={busy === 'rewrap'}
          onClick={() =>
            void run(
              'rewrap',
              () => callArx((arx) => arx.cache.rewrap({ slot: slot!, removeOthers })),
              () => 'The key is now wrapped to that card.',
            )
          }
        >
          Wrap to this card
        </Button>
      </Group>
    </section>
  );
}

/** Opens the cache with the organisation's recovery private key. */
export function RecoverySection({ busy, run }: { busy: string | null; run: RunCacheAction }) {
  const [recoveryFile, setRecoveryFile] = useState('');
  const [passphrase, setPassphrase] = useState('');
  return (
    <section aria-labelledby="cache-recovery-heading">
      <Title order={3} id="cache-recovery-heading" mb="xs">
        Open with the organisation recovery key
      </Title>
      <Group align="flex-end" gap="sm">
        <TextInput
          label="Recovery private key file (PEM)"
          value={recoveryFile}
          onChange={(e) => setRecoveryFile(e.currentTarget.value)}
          w={360}
        />
        <PasswordInput
          label="Passphrase (if any)"
          value={passphrase}
          onChange={(e) => setPassphrase(e.currentTarget.value)}
          w={220}
        />
        <Button
          variant="default"
          disabled={recoveryFile.trim() === ''}
          loading={busy === 'recover'}
          onClick={() =>
            void run(
              'recover',
              () =>
                callArx((arx) =>
                  arx.cache.recover({
                    privateKeyFile: recoveryFile.trim(),
                    passphrase: passphrase === '' ? null : passphrase,
                  }),
                ),
              () => {
                setPassphrase('');
                return 'Opened with the recovery key.';
              },
            )
          }
        >
          Open with the recovery key
        </Button>
      </Group>
    </section>
  );
}
