import { Alert, Button, Group, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { Loaded, listOf } from '../app/Loaded';
import { GrantsTable } from './GrantsTable';
import { useAdminList } from './use-admin-data';

/** Who holds which role where, since when, granted and approved by whom, each signature verified now. */
export function AccessReviewPanel() {
  const [review] = useAdminList((arx) => arx.admin.accessReview({}));
  const [operators] = useAdminList((arx) => arx.admin.operatorList({}));
  const [error, setError] = useState<ArxError | null>(null);
  const [busy, setBusy] = useState(false);
  const [written, setWritten] = useState<string | null>(null);
  const edipi = new Map(listOf(operators).map((o) => [o.operatorId, o.edipi]));
  const flagged =
    review.state === 'ok'
      ? review.value.filter(
          (e) => e.grant === 'missing' || e.grant === 'invalid' || e.approval === 'missing' || e.approval === 'invalid',
        )
      : [];

  const exportCsv = async () => {
    setBusy(true);
    setError(null);
    setWritten(null);
    const r = await callArx((arx) => arx.admin.accessReviewExport({}));
    setBusy(false);
    if (r.ok) setWritten(`${r.value.rows} grants written to ${r.value.path} (SHA-256 ${r.value.sha256}).`);
    else setError(r.error);
  };

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2} id="admin-review-heading">
          Access review
        </Title>
        <Button variant="default" onClick={() => void exportCsv()} loading={busy}>
          Export CSV
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        Every grant, with the administrators&apos; card signatures checked now against their enrolled certificates. A
        grant nobody signed (written into the database directly) is flagged.
      </Text>
      {error && <ErrorNotice error={error} title="The CSV could not be written" />}
      {written && (
        <Alert color="green" variant="light" role="status" title="Exported">
          <span data-testid="review-export-path">{written}</span>
        </Alert>
      )}
      {flagged.length > 0 && (
        <Alert color="red" variant="light" title={`${flagged.length} grants do not verify`}>
          {flagged
            .slice(0, 5)
            .map((e) => `${e.role} for ${e.edipi} in ${e.tenant}`)
            .join('; ')}
          {flagged.length > 5 ? '; …' : ''}
        </Alert>
      )}
      <Loaded of={review} reading="Reading the access review" failed="The access review could not be made">
        {(entries) => (
          <GrantsTable entries={entries} labelledBy="admin-review-heading" who={(id) => edipi.get(id) ?? id} />
        )}
      </Loaded>
    </Stack>
  );
}
