import { Alert, Button, Card, Group, NumberInput, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { ReviewDraft, SignedReview } from '../../../shared/contract/domains/review';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { SignDialog } from '../signing/SignDialog';

const n = (x: number) => x.toLocaleString('en-US');

/** What the SignDialog shows: the statement's subject and outcome, and the digest the card signs. */
export function draftDetails(d: ReviewDraft): [string, string][] {
  const st = d.statement;
  const s = st.subject[0]!;
  const p = st.predicate;
  const dec = p.decisions;
  return [
    ['Tenant', `${p.verification.tenant.name} (${p.verification.tenant.slug})`],
    [
      'Reviewed range',
      `seq ${n(s.annotations.fromSeq)}–${n(s.annotations.toSeq)} (tree size ${n(s.annotations.treeSize)})`,
    ],
    ['Chain root (SHA-256)', s.digest.sha256],
    ['Chain head (BLAKE3)', s.digest.blake3],
    [
      'Chain verification',
      `${p.verification.verdict}: ${n(p.verification.counts.events)} events, ${n(p.verification.counts.errors)} errors, ${n(p.verification.counts.warnings)} warnings`,
    ],
    [
      'Decisions re-verified',
      dec
        ? `${n(dec.total)}: ${n(dec.matched)} match, ${n(dec.mismatched)} mismatch, ${n(dec.unverifiable)} unverifiable, ${n(dec.withErrors)} with errors`
        : 'not run',
    ],
    [
      'Policy versions',
      p.policyVersions.map((v) => `${v.sha256.slice(0, 16)}… (${v.signatures})`).join(', ') || 'none',
    ],
    ['Verdict', p.verdict],
    ['Reviewer', `${p.reviewer.displayName} (EDIPI ${p.reviewer.edipi})`],
    ['Time', p.reviewedAt],
    ['Signed digest (SHA-256 of the DSSE PAE)', d.signingInputSha256],
  ];
}

/** Prepare (in main) and sign a review of a range: the ISSO sees exactly what the card signs. */
export function SignReview({
  tenantId,
  events,
  onSigned,
}: {
  tenantId: string;
  events: number;
  onSigned: (c: SignedReview) => void;
}) {
  const [fromSeq, setFrom] = useState<number | string>(0);
  const [toSeq, setTo] = useState<number | string>(Math.max(0, events - 1));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ArxError | null>(null);
  const [draft, setDraft] = useState<ReviewDraft | null>(null);
  const [signed, setSigned] = useState<SignedReview | null>(null);

  const prepare = async () => {
    if (typeof fromSeq !== 'number' || typeof toSeq !== 'number') return;
    setBusy(true);
    setError(null);
    setSigned(null);
    const r = await callArx((arx) => arx.review.prepare({ tenantId, fromSeq, toSeq, reverifyJobId: null }));
    setBusy(false);
    if (r.ok) setDraft(r.value);
    else setError(r.error);
  };

  return (
    <Card withBorder padding="md">
      <Stack gap="sm">
        <Title order={3}>Sign a review</Title>
        <Text size="sm">
          The console verifies the range, re-verifies its decisions and computes its digests; you then see the statement
          and sign it with your card (Digital Signature key, PIN for this signature).
        </Text>
        <Group align="flex-end" gap="sm">
          <NumberInput label="From seq" min={0} value={fromSeq} onChange={setFrom} w={140} allowDecimal={false} />
          <NumberInput label="To seq" min={0} value={toSeq} onChange={setTo} w={140} allowDecimal={false} />
          <Button
            onClick={() => void prepare()}
            loading={busy}
            disabled={typeof fromSeq !== 'number' || typeof toSeq !== 'number'}
          >
            Prepare review
          </Button>
        </Group>
        {error && <ErrorNotice error={error} title="The review could not be prepared" />}
        {signed && (
          <Alert
            role="status"
            variant="light"
            color={signed.delivery === 'queued' ? 'yellow' : 'green'}
            title={signed.delivery === 'queued' ? 'Signed, queued in the outbox' : 'Signed and stored'}
            data-delivery={signed.delivery}
          >
            {signed.delivery === 'queued'
              ? 'Signed. The control plane is unreachable: this review is in the outbox and will be delivered when it is back.'
              : `Signed. The review of seq ${n(signed.fromSeq)}–${n(signed.toSeq)} is stored and recorded in the tenant's audit chain.`}
          </Alert>
        )}
      </Stack>
      {draft && (
        <SignDialog
          opened
          title="Sign the fidelity certificate"
          purpose={`You certify that you reviewed seq ${n(draft.statement.subject[0]!.annotations.fromSeq)}–${n(draft.statement.subject[0]!.annotations.toSeq)} of this tenant's audit chain and that the outcome below is what you found.`}
          details={draftDetails(draft)}
          onSign={(pin) => callArx((arx) => arx.review.sign({ draftId: draft.draftId, pin }))}
          onSigned={(c) => {
            setDraft(null);
            setSigned(c);
            onSigned(c);
          }}
          onCancel={() => setDraft(null)}
        />
      )}
    </Card>
  );
}
