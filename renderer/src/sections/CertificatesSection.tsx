import { PlannedSection } from './PlannedSection';

export function CertificatesSection() {
  return (
    <PlannedSection
      title="Certificates"
      lead="The trust anchors, signer certificates and revocation lists that every signature in the console is checked against."
      planned={[
        'Pin trust anchors and see exactly which ones are in force.',
        'Inspect signer certificates and their validated paths (X.509 path validation with local CRLs).',
        'Import revocation lists offline and see when each one expires.',
        'See the certificates on the inserted card.',
      ]}
    />
  );
}
