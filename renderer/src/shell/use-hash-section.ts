import { useEffect, useRef, useState } from 'react';
import { sectionFromHash, sectionHref, SECTIONS, type SectionId } from '../sections/section-list';

export const SECTION_HEADING_ID = 'section-heading';

/**
 * The current section, kept in the URL fragment so that reload and Back work without a router.
 * After the user moves to another section, focus goes to its heading, so keyboard and screen
 * reader users land on the new content instead of staying in the navigation.
 */
export function useHashSection(): SectionId {
  const [section, setSection] = useState<SectionId>(() => {
    const initial = sectionFromHash(window.location.hash);
    // Say in the URL which section is shown, without adding a history entry.
    if (window.location.hash !== sectionHref(initial)) window.history.replaceState(null, '', sectionHref(initial));
    return initial;
  });
  const first = useRef(true);

  useEffect(() => {
    const onHash = () => setSection(sectionFromHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const label = SECTIONS.find((s) => s.id === section)?.label ?? '';
    document.title = `${label} — ARX Console`;
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById(SECTION_HEADING_ID)?.focus();
  }, [section]);

  return section;
}
