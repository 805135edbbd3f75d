import { Alert, Button, Group, Progress, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { listOf } from '../app/Loaded';
import { plural } from '../app/format';
import { GrantsTable } from './GrantsTable';
import { useAdminList } from './use-admin-data';
import type { ReviewPage } from './use-review-page';
import { useVerifyAll, type VerifyAllStatus } from './use-verify-all';

const n = (x: number) => x.toLocaleString('en-US');

/** Where the full verification stands: progress while it runs, what it found once done. */
function VerifyAllStatusLine({ s, cancel }: { s: VerifyAllStatus; cancel: () => void }) {
  if (s.state === 'running')
    return (
      <Stack gap={4}>
        <Progress value={s.total > 0 ? (100 * s.checked) / s.total : 0} aria-label="Signatures verified" animated />
        <Group justify="space-between">
          <Text size="sm" role="status">
            {`Verifying: ${n(s.checked)} of ${n(s.total)} grants, ${n(s.grantsPerSecond)} a second; ${plural(s.problems, 'problem')} so far.`}
          </Text>
          <Button size="xs" variant="default" onClick={cancel}>
            Cancel
          </Button>
        </Group>
      </Stack>
    );
  if (s.state === 'done')
    return (
      <Alert
        color={s.problems > 0 ? 'red' : 'green'}
        variant="light"
        role="status"
        title={
          s.problems > 0
            ? `${plural(s.problems, 'grant')} of ${n(s.checked)} do not verify`
            : `Every one of ${n(s.checked)} grants verifies`
        }
      >
        {s.problems > 0
          ? `${s.firstProblems.map((p) => `${p.role} for ${p.edipi} in ${p.tenant}`).join('; ')}${s.problems > s.firstProblems.length ? '; …' : ''}. Tick “Problems only” to see them all.`
          : 'Each grant’s card signatures were checked against the enrolled certificates.'}
      </Alert>
    );
  return (
    <Text size="sm" role="status">
      {s.state === 'cancelled' ? 'The full verification was cancelled.' : s.error?.message}
    </Text>
  );
}

/** Who holds which role where, since when, granted and approved by whom, each signature verified now. */
export function AccessReviewPanel() {
  const [operators] = useAdminList((arx) => arx.admin.operatorList({}));
  const [error, setError] = useState<ArxError | null>(null);
  const [busy, setBusy] = useState(false);
  const [written, setWritten] = useState<string | null>(null);
  const [counts, setCounts] = useState<ReviewPage | null>(null);
  const verify = useVerifyAll();
  // A finished full verification changes what the problems filter holds: the page is read again.
  const round = verify.status?.state === 'done' ? verify.status.jobId : '';
  const edipi = new Map(listOf(operators).map((o) => [o.operatorId, o.edipi]));

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
        <Group gap="xs">
          <Button variant="default" onClick={() => void verify.start()} disabled={verify.status?.state === 'running'}>
            Verify every signature
          </Button>
          <Button variant="default" onClick={() => void exportCsv()} loading={busy}>
            Export CSV
          </Button>
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        Every grant, a page at a time, with the administrators&apos; card signatures on each page checked now against
        their enrolled certificates. A grant nobody signed (written into the database directly) is flagged by the
        control plane; “Verify every signature” checks all of them and adds those that do not verify to the problems.
      </Text>
      {error && <ErrorNotice error={error} title="The CSV could not be written" />}
      {verify.error && <ErrorNotice error={verify.error} title="The full verification failed" />}
      {written && (
        <Alert color="green" variant="light" role="status" title="Exported">
          <span data-testid="review-export-path">{written}</span>
        </Alert>
      )}
      {verify.status && <VerifyAllStatusLine s={verify.status} cancel={() => void verify.cancel()} />}
      {counts && counts.unsigned > 0 && (
        <Alert color="red" variant="light" title={`${plural(counts.unsigned, 'grant')} without a signature`}>
          The control plane holds {plural(counts.unsigned, 'grant')} that no administrator signed. Tick “Problems only”
          to list them.
        </Alert>
      )}
      <GrantsTable
        labelledBy="admin-review-heading"
        who={(id) => edipi.get(id) ?? id}
        round={round}
        onPage={setCounts}
      />
    </Stack>
  );
}
