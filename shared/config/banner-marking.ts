import { CLASSIFICATION_LEVELS, type ClassificationLevel } from './classification';

/** A banner marking: the level and its caveat ("NOFORN"; empty when none). */
export interface ClassificationMarking {
  classification: ClassificationLevel;
  classificationCaveat: string;
}

/** A marking the banners may show instead of the console's while what carries it is on screen (an opened bundle). */
export interface ShownMarking extends ClassificationMarking {
  /** What carries it, for the banner's accessible name: "the opened bundle's signed marking". */
  of: string;
}

const rank = (l: ClassificationLevel) => CLASSIFICATION_LEVELS.indexOf(l);

/**
 * What both banners show (docs/bundle-format.md §8, "Markings on screen"): the higher of the
 * console's marking and the displayed thing's. A lower marking never lowers the banners (the
 * console's marks everything else on screen, and a bundle cannot declassify its reader's screen);
 * an equal one keeps the console's (with its caveat). A higher one is shown even when the bundle
 * did not verify: marking too high errs on the safe side, and the caller's `of` says it is unverified.
 */
export function bannerMarking(
  own: ClassificationMarking | null,
  shown: ShownMarking | null,
): { marking: ClassificationMarking | null; of: string | undefined } {
  if (shown === null) return { marking: own, of: undefined };
  if (own !== null && rank(shown.classification) <= rank(own.classification)) return { marking: own, of: undefined };
  return { marking: { classification: shown.classification, classificationCaveat: '' }, of: shown.of };
}
