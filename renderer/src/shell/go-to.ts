import { useEffect } from 'react';
import { sectionHref, type SectionId } from '../sections/section-list';

/**
 * Opens a section on one of its tabs (from Home, the palette, a link in a result). Module state,
 * because the section mounts after the URL changes; it takes the tab once. A section already shown
 * hears the request through `useTabRequests`.
 */
let pending: { section: SectionId; tab: string } | null = null;
const listeners = new Set<(section: SectionId, tab: string) => void>();

export function goTo(section: SectionId, tab?: string): void {
  pending = tab ? { section, tab } : null;
  window.location.hash = sectionHref(section);
  if (tab) for (const l of listeners) l(section, tab);
}

/** The tab a `goTo` asked this section for, once, or `fallback`. */
export function takeTab(section: SectionId, fallback: string): string {
  const p = pending;
  if (p?.section !== section) return fallback;
  pending = null;
  return p.tab;
}

/** For a mounted section: switch to the tab a later `goTo` asks for. */
export function useTabRequests(section: SectionId, setTab: (tab: string) => void): void {
  useEffect(() => {
    const listener = (s: SectionId, tab: string) => {
      if (s !== section) return;
      pending = null;
      setTab(tab);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, [section, setTab]);
}
