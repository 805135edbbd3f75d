import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  Loader,
  Modal,
  PasswordInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { plural } from '../app/format';
import { useCallback, useEffect, useState } from 'react';
import type { CacheStatus, OutboxItem } from '../../../shared/contract/domains/cache';
import { callArx, subscribeArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';

const STATE: Record<CacheStatus['state'], { label: string; color: string }> = {
  absent: { label: 'Not created yet', color: 'gray' },
  locked: { label: 'Locked', color: 'gray' },
  unlocked: { label: 'Open', color: 'green' },
  damaged: { label: 'Damaged', color: 'red' },
};

const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(n < 1024 * 1024 ? 2 : 1)} MB`;

type Kinds = { kind: string; count: number; keys: string[] }[];

type Reader = { slot: string; tokenLabel: string | null; tokenPresent: boolean };

/** The status, and the outbox when the cache is open. */
async function load() {
  const status = await callArx((arx) => arx.cache.status({}));
  let items: OutboxItem[] | null = null;
  let kinds: Kinds | null = null;
  if (status.ok && (status.value.state === 'unlocked' || status.value.state === 'damaged')) {
    const o = await callArx((arx) => arx.cache.outboxList({}));
    items = o.ok ? o.value.items : null;
  }
  if (status.ok && status.value.state === 'unlocked') {
    const e = await callArx((arx) => arx.cache.entries({ limit: 5 }));
    kinds = e.ok ? e.value.kinds : null;
  }
  return { status, items, kinds };
}

/**
 * The encrypted local evidence cache: its state, the outbox of artifacts signed while
 * offline, and its maintenance (unlock, lock, recovery key, re-wrap to another card, key rotation,
 * rebuild, wipe). Every action goes through window.arx; errors are shown with their code.
 */
export function CachePanel() {
  const [status, setStatus] = useState<CacheStatus | null>(null);
  const [items, setItems] = useState<OutboxItem[] | null>(null);
  const [kinds, setKinds] = useState<Kinds | null>(null);
  const [error, setError] = useState<ArxError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [wipeOpen, setWipeOpen] = useState(false);
  const [recoveryFile, setRecoveryFile] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [readers, setReaders] = useState<Reader[]>([]);
  const [slot, setSlot] = useState<string | null>(null);
  const [removeOthers, setRemoveOthers] = useState(false);

  const apply = useCallback((r: Awaited<ReturnType<typeof load>>) => {
    if (r.status.ok) setStatus(r.status.value);
    else setError(r.status.error);
    setItems(r.items);
    setKinds(r.kinds);
  }, []);
  const refresh = useCallback(() => load().then(apply), [apply]);

  useEffect(() => {
    let live = true;
    void load().then((r) => {
      if (live) apply(r);
    });
    const off = subscribeArx('cache.changed', (s) => {
      setStatus(s);
      void refresh();
    });
    return () => {
      live = false;
      off();
    };
  }, [apply, refresh]);

  async function run<T>(
    label: string,
    action: () => Promise<{ ok: true; value: T } | { ok: false; error: ArxError }>,
    done?: (v: T) => string | null,
  ) {
    setBusy(label);
    setError(null);
    setNotice(null);
    const r = await action();
    setBusy(null);
    if (!r.ok) setError(r.error);
    else if (done) setNotice(done(r.value));
    await refresh();
  }

  async function loadReaders() {
    const r = await callArx((arx) => arx.card.readers({}));
    if (r.ok)
      setReaders(
        r.value.readers
          .filter((x) => x.tokenPresent)
          .map((x) => ({ slot: x.slot, tokenLabel: x.tokenLabel, tokenPresent: x.tokenPresent })),
      );
    else setError(r.error);
  }

  if (!status && !error) {
    return (
      <Group gap="xs">
        <Loader size="xs" aria-hidden="true" />
        <Text size="sm">Reading the cache state…</Text>
      </Group>
    );
  }
  const open = status?.state === 'unlocked' || status?.state === 'damaged';
  return (
    <Stack gap="md">
      {error && <ErrorNotice error={error} title="The cache action failed" />}
      {notice && (
        <Alert color="green" variant="light" role="status" title="Done">
          {notice}
        </Alert>
      )}
      {status && (
        <>
          <Group gap="sm">
            <Text size="sm" fw={600}>
              State:
            </Text>
            <Badge color={STATE[status.state].color} variant="light" data-testid="cache-state">
              {STATE[status.state].label}
            </Badge>
            {status.unlockedBy && (
              <Text size="sm" c="dimmed">
                opened with the {status.unlockedBy}
              </Text>
            )}
          </Group>
          {status.problem && (
            <Alert
              color="red"
              variant="outline"
              role="alert"
              title="The cache file failed a check"
              data-error-code={status.problem.code}
            >
              <Stack gap="xs">
                <Text size="sm">
                  <Code fw={700}>{status.problem.code}</Code> {status.problem.message}
                </Text>
                <Text size="sm">
                  Rebuilding makes a new cache (filled again from the control plane) and keeps every readable unsent
                  outbox item. The old file is kept aside.
                </Text>
                <Group>
                  <Button
                    color="red"
                    loading={busy === 'rebuild'}
                    onClick={() =>
                      void run(
                        'rebuild',
                        () => callArx((arx) => arx.cache.rebuild({})),
                        (v) =>
                          `Rebuilt: ${plural(v.outboxKept, 'outbox item')} kept, ${v.outboxUnreadable} unreadable. Old file: ${v.quarantinedFile}`,
                      )
                    }
                  >
                    Rebuild the cache
                  </Button>
                </Group>
              </Stack>
            </Alert>
          )}
          <Table withTableBorder withRowBorders aria-label="Cache details" verticalSpacing={6}>
            <Table.Tbody>
              {(
                [
                  ['File', status.file],
                  ['Size on disk', mb(status.fileBytes)],
                  ['Cached records', String(status.records)],
                  [
                    'Re-fetchable data',
                    `${mb(status.refetchableBytes)} of ${mb(status.limitBytes)} (least recently used evicted first; never the outbox or drafts)`,
                  ],
                  [
                    'Key generation',
                    status.generation
                      ? String(status.generation) +
                        (status.rotation
                          ? ` (rotating to ${status.rotation.to}: ${status.rotation.remaining} left)`
                          : '')
                      : '—',
                  ],
                  [
                    'Key wrapped to',
                    status.recipients.length
                      ? status.recipients
                          .map((r) => `${r.role === 'card' ? 'card' : 'recovery'} ${r.kind.toUpperCase()} — ${r.label}`)
                          .join('; ')
                      : open
                        ? '—'
                        : 'shown when open',
                  ],
                  [
                    'Recovery key',
                    status.recoveryConfigured ? 'configured' : 'not configured (cache.recoveryPublicKey)',
                  ],
                ] as const
              ).map(([k, v]) => (
                <Table.Tr key={k}>
                  <Table.Th scope="row">{k}</Table.Th>
                  <Table.Td>{v}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group gap="sm">
            {!open && (
              <Button
                loading={busy === 'unlock'}
                onClick={() => void run('unlock', () => callArx((arx) => arx.cache.unlock({})))}
              >
                Open with my card
              </Button>
            )}
            {open && (
              <Button
                variant="default"
                loading={busy === 'lock'}
                onClick={() => void run('lock', () => callArx((arx) => arx.cache.lock({})))}
              >
                Lock the cache
              </Button>
            )}
            {status.state === 'unlocked' && (
              <Button
                variant="default"
                loading={busy === 'rotate'}
                onClick={() =>
                  void run(
                    'rotate',
                    () => callArx((arx) => arx.cache.rotate({ batchSize: 500 })),
                    () => 'The data key was rotated.',
                  )
                }
              >
                {status.rotation ? 'Resume key rotation' : 'Rotate the data key'}
              </Button>
            )}
            {open && (
              <Button
                variant="default"
                loading={busy === 'deliver'}
                onClick={() =>
                  void run(
                    'deliver',
                    () => callArx((arx) => arx.cache.outboxDeliver({})),
                    (v) => `Delivered ${v.delivered}, rejected ${v.rejected}, still pending ${v.pending}.`,
                  )
                }
              >
                Deliver the outbox now
              </Button>
            )}
            {status.state !== 'absent' && (
              <Button color="red" variant="outline" onClick={() => setWipeOpen(true)}>
                Wipe the cache…
              </Button>
            )}
          </Group>
        </>
      )}

      <section aria-labelledby="cache-evidence-heading">
        <Title order={3} id="cache-evidence-heading" mb="xs">
          Cached evidence
        </Title>
        {kinds === null ? (
          <Text size="sm" c="dimmed">
            Open the cache to see what it holds.
          </Text>
        ) : kinds.length === 0 ? (
          <Text size="sm">Nothing is cached yet.</Text>
        ) : (
          <Table withTableBorder aria-labelledby="cache-evidence-heading" verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Kind</Table.Th>
                <Table.Th scope="col">Records</Table.Th>
                <Table.Th scope="col">Most recent</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {kinds.map((k) => (
                <Table.Tr key={k.kind}>
                  <Table.Td>{k.kind}</Table.Td>
                  <Table.Td>{k.count}</Table.Td>
                  <Table.Td>
                    <Text size="xs" style={{ wordBreak: 'break-all' }}>
                      {k.keys.join(', ')}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </section>

      <section aria-labelledby="cache-outbox-heading">
        <Title order={3} id="cache-outbox-heading" mb="xs">
          Outbox (signed while offline)
        </Title>
        {items === null ? (
          <Text size="sm" c="dimmed">
            Open the cache to see its outbox.
          </Text>
        ) : items.length === 0 ? (
          <Text size="sm">Nothing is waiting: every artifact signed here has reached the control plane.</Text>
        ) : (
          <Table withTableBorder aria-labelledby="cache-outbox-heading" verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">#</Table.Th>
                <Table.Th scope="col">What</Table.Th>
                <Table.Th scope="col">State</Table.Th>
                <Table.Th scope="col">Signed</Table.Th>
                <Table.Th scope="col">Delivered</Table.Th>
                <Table.Th scope="col">Last error</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((i) => (
                <Table.Tr key={i.id} data-outbox-state={i.state}>
                  <Table.Td>{i.seq}</Table.Td>
                  <Table.Td>
                    {i.summary ?? i.kind}{' '}
                    <Text span size="xs" c="dimmed">
                      ({i.kind})
                    </Text>
                  </Table.Td>
                  <Table.Td>{i.state}</Table.Td>
                  <Table.Td>{i.createdAt ?? '—'}</Table.Td>
                  <Table.Td>{i.deliveredAt ?? '—'}</Table.Td>
                  <Table.Td>{i.lastError ? `${i.lastError.code}: ${i.lastError.message}` : '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </section>

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

      <Modal opened={wipeOpen} onClose={() => setWipeOpen(false)} title="Wipe the local cache?">
        <Stack gap="sm">
          <Text size="sm">
            The cache file and its keys are deleted. Cached evidence is fetched again from the control plane when
            needed.
          </Text>
          {status && status.outbox.pending > 0 && (
            <Alert color="red" variant="outline" title="Unsent items">
              {status.outbox.pending === 1
                ? '1 signed item has'
                : `${plural(status.outbox.pending, 'signed item')} have`}{' '}
              not reached the control plane yet. Wiping now loses them.
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setWipeOpen(false)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={busy === 'wipe'}
              onClick={() => {
                setWipeOpen(false);
                void run(
                  'wipe',
                  () => callArx((arx) => arx.cache.wipe({ discardOutbox: (status?.outbox.pending ?? 0) > 0 })),
                  () => 'The cache was wiped.',
                );
              }}
            >
              Wipe
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
