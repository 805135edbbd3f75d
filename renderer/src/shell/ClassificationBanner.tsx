import type { ClassificationMarking } from '../../../shared/config/banner-marking';
import { BANNER_COLOURS } from '../../../shared/config/classification';
import classes from './shell.module.css';

export type { ClassificationMarking };

/** "SECRET//NOFORN": the level, then the caveat after a double slash, as banner lines are written. */
export function markingText(m: ClassificationMarking): string {
  const caveat = m.classificationCaveat.trim();
  return caveat ? `${m.classification}//${caveat.toUpperCase()}` : m.classification;
}

/**
 * The banner line shown at the very top and the very bottom of every screen. Colours are the
 * customary ones from shared/config/classification.ts; the text is never abbreviated. When the
 * marking is unknown (app.info failed) the banner says so instead of guessing a level.
 */
export function ClassificationBanner({
  marking,
  position,
  of,
}: {
  marking: ClassificationMarking | null;
  position: 'top' | 'bottom';
  /** Set when the marking is that of what is displayed, not the console's: "the opened bundle". */
  of?: string | undefined;
}) {
  const text = marking ? markingText(marking) : 'CLASSIFICATION UNAVAILABLE';
  const colours = marking ? BANNER_COLOURS[marking.classification] : { background: '#3b3b3b', text: '#ffffff' };
  return (
    <div
      role="note"
      aria-label={`Classification: ${text}${of ? ` (${of})` : ''}`}
      data-position={position}
      data-marking-of={of ?? 'console'}
      data-classification={marking?.classification ?? 'unknown'}
      className={classes.banner}
      style={{ backgroundColor: colours.background, color: colours.text }}
    >
      {text}
    </div>
  );
}
