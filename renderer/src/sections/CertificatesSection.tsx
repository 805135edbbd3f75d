import { Alert, Loader, Stack, Title } from '@mantine/core';
import { useState } from 'react';
import type { CertificateSummary, CertificateVerification } from '../../../shared/contract/domains/review';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { errorTitle, OfflineBanner } from '../cache/OfflineBanner';
import { useArxResult } from '../app/use-arx-result';
import { noEvidenceRole, useEvidenceTenant } from '../tenant/use-evidence-tenant';
import { CertificateList } from '../certificates/CertificateList';
import { ExportView } from '../certificates/ExportView';
import { ImportVerify } from '../certificates/ImportVerify';
import { QueuedReviews } from '../certificates/QueuedReviews';
import { SignReview } from '../certificates/SignReview';
import { VerificationView } from '../certificates/VerificationView';
import type { CoveredChain } from '../tenant/checkpoint-cover';
import { useScrollToResult } from '../app/scroll-to-result';
import { SectionHeader } from './SectionHeader';

type Outcome =
  | { kind: 'verified'; v: CertificateVerification }
  | { kind: 'exported'; e: { directory: string; files: string[]; commands: string[] } }
  | { kind: 'error'; error: ArxError };

/** Fidelity certificates: sign a review of a range, list, verify, export for OpenSSL. */
export function CertificatesSection() {
  const { list: tenants, current, tenant } = useEvidenceTenant();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  // A result belongs to the tenant it was asked in.
  const [outcomeTenant, setOutcomeTenant] = useState(tenant?.id);
  if (outcomeTenant !== tenant?.id) {
    setOutcomeTenant(tenant?.id);
    setOutcome(null);
  }
  // Bumped after a signature: remounts the list, which loads again.
  const [listVersion, setListVersion] = useState(0);
  // A verification or export result appears below the list: bring it into view.
  const outcomeRef = useScrollToResult(outcome);

  const verify = async (
    source: { kind: 'stored'; tenantId: string; id: string } | { kind: 'imported'; envelope: string },
  ) => {
    const r = await callArx((arx) => arx.review.verify({ source }));
    setOutcome(r.ok ? { kind: 'verified', v: r.value } : { kind: 'error', error: r.error });
  };
  const exportIt = async (c: CertificateSummary) => {
    const r = await callArx((arx) => arx.review.export({ source: { kind: 'stored', tenantId: c.tenantId, id: c.id } }));
    setOutcome(r.ok ? { kind: 'exported', e: r.value } : { kind: 'error', error: r.error });
  };

  return (
    <Stack gap="lg">
      <SectionHeader
        title="Certificates"
        lead="Fidelity certificates: an ISSO's signed review of a range of a tenant's audit chain (an in-toto statement in a DSSE envelope, signed on the card), checkable by the console and by OpenSSL."
      />
      {tenants.state === 'error' && <ErrorNotice error={tenants.error} title="No tenants" />}
      {tenants.state === 'loading' && <Loader size="sm" aria-label="Loading tenants" />}
      {tenants.state === 'ok' && !tenant && (
        <Alert color="gray">{noEvidenceRole(current, 'there is no range here for you to review')}</Alert>
      )}
      {tenant && (
        <SignReview key={tenant.id} tenantId={tenant.id} chain={tenant} onSigned={() => setListVersion((v) => v + 1)} />
      )}
      <Stack gap="sm">
        <Title order={2}>Stored certificates</Title>
        {tenant && <QueuedReviews tenantId={tenant.id} onDelivered={() => setListVersion((v) => v + 1)} />}
        {tenant && (
          <StoredCertificates
            key={`${tenant.id}/${listVersion}`}
            tenantId={tenant.id}
            chain={tenant}
            onVerify={(c) => void verify({ kind: 'stored', tenantId: c.tenantId, id: c.id })}
            onExport={(c) => void exportIt(c)}
          />
        )}
      </Stack>
      {outcome && (
        <Stack gap="sm" aria-live="polite" ref={outcomeRef}>
          <Title order={2}>{outcome.kind === 'exported' ? 'Export for OpenSSL' : 'Verification'}</Title>
          {outcome.kind === 'verified' && <OfflineBanner cached={outcome.v.cached} what="this verification" />}
          {outcome.kind === 'verified' && <VerificationView v={outcome.v} />}
          {outcome.kind === 'exported' && <ExportView e={outcome.e} />}
          {outcome.kind === 'error' && <ErrorNotice error={outcome.error} title={errorTitle(outcome.error)} />}
        </Stack>
      )}
      <ImportVerify onVerify={(envelope) => void verify({ kind: 'imported', envelope })} />
    </Stack>
  );
}

function StoredCertificates({
  tenantId,
  chain,
  onVerify,
  onExport,
}: {
  tenantId: string;
  chain: CoveredChain;
  onVerify: (c: CertificateSummary) => void;
  onExport: (c: CertificateSummary) => void;
}) {
  const list = useArxResult((arx) => arx.review.list({ tenantId }));
  if (list.state === 'loading') return <Loader size="sm" aria-label="Loading certificates" />;
  if (list.state === 'error')
    return <ErrorNotice error={list.error} title={errorTitle(list.error, 'The certificates could not be listed')} />;
  return (
    <>
      <OfflineBanner cached={list.value.cached} what="certificates" />
      <CertificateList items={list.value.certificates} chain={chain} onVerify={onVerify} onExport={onExport} />
    </>
  );
}
