import { PlannedSection } from './PlannedSection';

export function BundlesSection() {
  return (
    <PlannedSection
      title="Bundles"
      lead="Evidence bundles: one signed file that lets an offline auditor verify events, proofs, policies and certificates without a network or a database."
      planned={[
        'Export a bundle for a tenant and a time range, signed with your card.',
        'Open a bundle on a machine with no network and verify every member against pinned trust anchors.',
        'Show precisely which member does not verify, and why.',
        'Read the VERIFY.md that ships inside each bundle: the openssl and b3sum commands to re-check it by hand.',
      ]}
    />
  );
}
