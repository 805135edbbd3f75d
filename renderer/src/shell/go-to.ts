import { sectionHref, type SectionId } from '../sections/section-list';

/**
 * Opens a section on one of its tabs (from Home, the palette, a link in a result). Module state,
 * because the section mounts after the URL changes; it takes the tab once.
 */
let pending: { section: SectionId; tab: string } | null = null;

export function goTo(section: SectionId, tab?: string): void {
  pending = tab ? { section, tab } : null;
  window.location.hash = sectionHref(section);
}

/** The tab a `goTo` asked this section for, once, or `fallback`. */
export function takeTab(section: SectionId, fallback: string): string {
  const p = pending;
  if (p?.section !== section) return fallback;
  pending = null;
  return p.tab;
}
