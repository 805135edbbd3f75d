import { AdminSection } from '../admin/AdminSection';
import { HomeSection } from '../home/HomeSection';
import { AuditSection } from './AuditSection';
import { BundlesSection } from './BundlesSection';
import { CertificatesSection } from './CertificatesSection';
import { PoliciesSection } from './PoliciesSection';
import type { SectionId } from './section-list';
import { SettingsSection } from './SettingsSection';

export function SectionView({ section }: { section: SectionId }) {
  switch (section) {
    case 'home':
      return <HomeSection />;
    case 'policies':
      return <PoliciesSection />;
    case 'audit':
      return <AuditSection />;
    case 'certificates':
      return <CertificatesSection />;
    case 'bundles':
      return <BundlesSection />;
    case 'administration':
      return <AdminSection />;
    case 'settings':
      return <SettingsSection />;
  }
}
