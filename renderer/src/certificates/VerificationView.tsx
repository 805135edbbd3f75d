import { Alert, Badge, Code, List, Stack, Text } from '@mantine/core';
import type { CertificateVerification } from '../../../shared/contract/domains/review';
import { Dn, ShortId, When } from '../app/Readable';

const n = (x: number) => x.toLocaleString('en-US');

const LABEL: Record<CertificateVerification['checks'][number]['id'], string> = {
  envelope: 'Envelope and statement',
  signature: 'DSSE signature',
  'pq-signature': 'Post-quantum signature (ML-DSA-87, companion key)',
  'signer-path': "Signer's certificate path at signing time",
  'signer-revocation': "Signer's revocation status (CRLs)",
  chain: 'Statement matches the chain today',
  'audit-event': 'Recorded in the audit chain',
};
const COLOR = { pass: 'teal', fail: 'red', warn: 'yellow', skipped: 'gray' } as const;

export function VerificationView({ v }: { v: CertificateVerification }) {
  return (
    <Stack gap="sm" data-testid="certificate-verification">
      <Alert
        color={v.valid ? 'teal' : 'red'}
        variant="light"
        title={v.valid ? 'The certificate is valid' : 'The certificate does not verify'}
        data-code={v.code ?? ''}
      >
        {v.code && (
          <Text size="sm">
            <Code fw={700}>{v.code}</Code>
          </Text>
        )}
        {v.certificate && (
          <Text size="sm">
            Review of {v.certificate.tenantSlug} seq {n(v.certificate.fromSeq)}–{n(v.certificate.toSeq)} (
            {v.certificate.verdict}) by {v.certificate.reviewer.displayName}, <When iso={v.certificate.reviewedAt} />
          </Text>
        )}
      </Alert>
      <List spacing="xs" listStyleType="none" aria-label="Checks">
        {v.checks.map((c) => (
          <List.Item key={c.id}>
            <Badge color={COLOR[c.status]} variant="light" mr="xs" w={70}>
              {c.status}
            </Badge>
            <Text span fw={600} size="sm">
              {LABEL[c.id]}
            </Text>
            {c.code && (
              <Code ml="xs" data-check-code={c.code}>
                {c.code}
              </Code>
            )}
            <Text size="sm" c="dimmed" ml={78}>
              {c.message}
            </Text>
          </List.Item>
        ))}
      </List>
      {v.signer && <SignerLine signer={v.signer} />}
    </Stack>
  );
}

/** The signer's certificate: names by CN (whole DNs on hover), the serial shortened with a copy button. */
function SignerLine({ signer }: { signer: NonNullable<CertificateVerification['signer']> }) {
  return (
    <Text size="xs" c="dimmed" data-testid="certificate-signer">
      Signer: <Dn value={signer.subject} /> · serial{' '}
      <ShortId value={signer.serialNumber} label="the serial number" size="xs" /> · valid{' '}
      <When iso={signer.notBefore} /> to <When iso={signer.notAfter} /> · path{' '}
      {signer.path.map((dn, i) => (
        <span key={i}>
          {i > 0 && ' → '}
          <Dn value={dn} />
        </span>
      ))}
    </Text>
  );
}
