import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { CLASSIFICATION_LEVELS, type ClassificationLevel } from '../../../shared/config/classification';
import type { ShownMarking } from '../../../shared/config/banner-marking';

export type { ShownMarking } from '../../../shared/config/banner-marking';

const ShownMarkingContext = createContext<(m: ShownMarking | null) => void>(() => {});

/** Lets a screen set the marking both banners show (ConsoleShell holds it). */
export function ShownMarkingProvider({
  set,
  children,
}: {
  set: (m: ShownMarking | null) => void;
  children: ReactNode;
}) {
  return <ShownMarkingContext.Provider value={set}>{children}</ShownMarkingContext.Provider>;
}

const isLevel = (v: string): v is ClassificationLevel => (CLASSIFICATION_LEVELS as readonly string[]).includes(v);

/**
 * While the calling component is mounted with a level, the banners may show that level (the
 * marking of what is displayed) — when it is above the console's (bannerMarking); unmounted or
 * null, the console's own again. An unknown level is not shown (the console's stays).
 */
export function useShownMarking(level: string | null, of: string): void {
  const set = useContext(ShownMarkingContext);
  useEffect(() => {
    if (level === null || !isLevel(level)) return;
    set({ classification: level, classificationCaveat: '', of });
    return () => set(null);
  }, [set, level, of]);
}
