import { Alert, Button, Card, Group, NumberInput, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { ReviewDraft, SignedReview } from '../../../shared/contract/domains/review';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { localSeconds } from '../app/Readable';
import { utcTime } from '../app/time';
import { SignDialog } from '../signing/SignDialog';
import { CheckpointCoverNote, coveredEnd, useDefaultEnd, type CoveredChain } from '../tenant/checkpoint-cover';

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
    ['Time', `${localSeconds(p.reviewedAt)} (${utcTime(p.reviewedAt)})`],
    ['Signed digest (SHA-256 of the DSSE PAE)', d.signingInputSha256],
  ];
}

/**
 * A review may cover events no checkpoint covers yet (it proves them by its own digests), but
 * its bundle waits for a checkpoint: said before the PIN.
 */
function uncoveredReview(chain: CoveredChain, toSeq: number): string | null {
  const end = coveredEnd(chain);
  if (end !== null && toSeq <= end) return null;
  const first = end === null ? 0 : end + 1;
  return `Seq ${n(first)} on is not covered by a signed checkpoint yet: you can sign this review, but it can be exported as an evidence bundle only once a checkpoint covers seq ${n(toSeq)}.`;
}

function SeqInput(props: { label: string; value: number | string; onChange: (v: number | string) => void }) {
  return <NumberInput min={0} w={140} allowDecimal={false} thousandSeparator="," {...props} />;
}

/** Where the signed review went: stored, or queued in the outbox while the control plane is away. */
function SignedNote({ signed }: { signed: SignedReview }) {
  const queued = signed.delivery === 'queued';
  return (
    <Alert
      role="status"
      variant="light"
      color={queued ? 'yellow' : 'green'}
      title={queued ? 'Signed, queued in the outbox' : 'Signed and stored'}
      data-delivery={signed.delivery}
    >
      {queued
        ? 'Signed. The control plane is unreachable: this review is in the outbox and will be delivered when it is back.'
        : `Signed. The review of seq ${n(signed.fromSeq)}–${n(signed.toSeq)} is stored and recorded in the tenant's audit chain.`}
    </Alert>
  );
}

/** Prepare (in main) and sign a review of a range: the ISSO sees exactly what the card signs. */
export function SignReview({
  tenantId,
  chain,
  onSigned,
}: {
  tenantId: string;
  chain: CoveredChain;
  onSigned: (c: SignedReview) => void;
}) {
  const [fromSeq, setFrom] = useState<number | string>(0);
  // By default up to the newest signed checkpoint, so that the certificate can be exported as a bundle.
  const [toSeq, setTo] = useDefaultEnd<number | string>(coveredEnd(chain) ?? Math.max(0, chain.events - 1));
  const uncovered = typeof toSeq === 'number' ? uncoveredReview(chain, toSeq) : null;
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
    <Card withBorder padding="md" component="section" aria-labelledby="sign-review-title">
      <Stack gap="sm">
        <Title order={2} id="sign-review-title">
          Sign a review
        </Title>
        <Text size="sm">
          The console verifies the range, re-verifies its decisions and computes its digests; you then see the statement
          and sign it with your card (Digital Signature key, PIN for this signature).
        </Text>
        <Group align="flex-end" gap="sm">
          <SeqInput label="From seq" value={fromSeq} onChange={setFrom} />
          <SeqInput label="To seq" value={toSeq} onChange={setTo} />
          <Button
            onClick={() => void prepare()}
            loading={busy}
            disabled={typeof fromSeq !== 'number' || typeof toSeq !== 'number'}
          >
            Prepare review
          </Button>
        </Group>
        <CheckpointCoverNote chain={chain} />
        {uncovered && (
          <Alert color="yellow" variant="light" role="status" data-testid="review-range-uncovered">
            {uncovered}
          </Alert>
        )}
        {error && <ErrorNotice error={error} title="The review could not be prepared" />}
        {signed && <SignedNote signed={signed} />}
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
