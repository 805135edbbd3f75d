/** The console's sections, in navigation order. The id is the URL fragment (#/audit). */
export const SECTIONS = [
  { id: 'home', label: 'Home', summary: 'What waits for you, chain health, alerts and connection' },
  { id: 'policies', label: 'Policies', summary: 'Author, test and approve routing policies' },
  { id: 'audit', label: 'Audit', summary: 'Verify the audit chain and explore events' },
  { id: 'certificates', label: 'Certificates', summary: 'Trust anchors, signers and revocation lists' },
  { id: 'bundles', label: 'Bundles', summary: 'Export and verify evidence bundles' },
  {
    id: 'administration',
    label: 'Administration',
    summary: 'Operators, tenants, roles and the access review (administrators only)',
  },
  { id: 'settings', label: 'Settings', summary: 'Configuration in force and appearance' },
] as const;

export type SectionId = (typeof SECTIONS)[number]['id'];

/** Sections listed in the navigation only for an operator holding this role. */
export const SECTION_ROLE: Partial<Record<SectionId, string>> = { administration: 'administrator' };

export const DEFAULT_SECTION: SectionId = 'home';

export function sectionFromHash(hash: string): SectionId {
  const id = hash.replace(/^#\/?/, '');
  return SECTIONS.find((s) => s.id === id)?.id ?? DEFAULT_SECTION;
}

export const sectionHref = (id: SectionId): string => `#/${id}`;
