import { SECTIONS, type SectionId } from '../sections/section-list';

/** One thing the command palette can do. `run` is bound by the palette (it needs the tenant context). */
export type PaletteAction =
  | { kind: 'section'; section: SectionId; tab?: string }
  | { kind: 'tenant'; tenantId: string }
  | { kind: 'event'; seq: number }
  | { kind: 'search'; id: string };

export interface PaletteCommand {
  id: string;
  label: string;
  hint: string;
  action: PaletteAction;
}

const TABS: { section: SectionId; tab: string; label: string }[] = [
  { section: 'audit', tab: 'verify', label: 'Audit → Verify chain' },
  { section: 'audit', tab: 'explorer', label: 'Audit → Explorer' },
  { section: 'audit', tab: 'decisions', label: 'Audit → Re-verify decisions' },
  { section: 'audit', tab: 'dashboards', label: 'Audit → Dashboards' },
  { section: 'policies', tab: 'draft', label: 'Policies → My draft' },
  { section: 'policies', tab: 'impact', label: 'Policies → Impact' },
  { section: 'policies', tab: 'history', label: 'Policies → History and approvals' },
];

const SEQ = /^(?:#|seq\s*)?(\d{1,15})$/i;
/** An event id, request id or subject as the explorer's exact search takes it. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{5,199}$/;

/**
 * The palette's list for what was typed: screens and tabs, tenants, and, for something that looks
 * like an event's seq or id, opening it in the explorer of the current tenant.
 */
export function paletteCommands(
  query: string,
  tenants: { tenantId: string; tenant: string }[],
  currentTenant: string | null,
): PaletteCommand[] {
  const q = query.trim();
  const all: PaletteCommand[] = [
    ...SECTIONS.map((s) => ({
      id: `section:${s.id}`,
      label: `Go to ${s.label}`,
      hint: s.summary,
      action: { kind: 'section', section: s.id } as PaletteAction,
    })),
    ...TABS.map((t) => ({
      id: `tab:${t.section}:${t.tab}`,
      label: t.label,
      hint: 'Screen',
      action: { kind: 'section', section: t.section, tab: t.tab } as PaletteAction,
    })),
    ...tenants.map((t) => ({
      id: `tenant:${t.tenantId}`,
      label: `Switch tenant to ${t.tenant}`,
      hint: t.tenant === currentTenant ? 'The current tenant' : 'Tenant',
      action: { kind: 'tenant', tenantId: t.tenantId } as PaletteAction,
    })),
  ];
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const matching = all.filter((c) => words.every((w) => `${c.label} ${c.hint}`.toLowerCase().includes(w)));
  const where = currentTenant ? ` in ${currentTenant}` : '';
  const seq = SEQ.exec(q);
  if (seq && currentTenant) {
    const n = Number(seq[1]);
    matching.unshift({
      id: `event:${n}`,
      label: `Open event seq ${n}${where}`,
      hint: 'Explorer',
      action: { kind: 'event', seq: n },
    });
  } else if (ID.test(q) && currentTenant && matching.length === 0) {
    matching.unshift({
      id: `search:${q}`,
      label: `Find event or request ${q}${where}`,
      hint: 'Explorer: event id, request id or subject',
      action: { kind: 'search', id: q },
    });
  }
  return matching;
}
