import { describe, expect, it } from 'vitest';
import { bannerMarking } from '../../../shared/config/banner-marking';

/**
 * The banners with an opened bundle's marking (docs/bundle-format.md §8): the higher of the
 * console's and the bundle's; a lower or equal one never replaces the console's, a higher one is
 * shown even when the bundle did not verify (labelled so by the caller).
 */
const consoleAt = (classification: 'UNCLASSIFIED' | 'SECRET' | 'TOP SECRET', caveat = '') => ({
  classification,
  classificationCaveat: caveat,
});
const bundle = (
  classification: 'UNCLASSIFIED' | 'CUI' | 'SECRET' | 'TOP SECRET',
  of = "the opened bundle's signed marking",
) => ({
  classification,
  classificationCaveat: '',
  of,
});

describe('bannerMarking', () => {
  it('shows nothing but the console marking when nothing carries its own', () => {
    expect(bannerMarking(consoleAt('SECRET', 'NOFORN'), null)).toEqual({
      marking: consoleAt('SECRET', 'NOFORN'),
      of: undefined,
    });
  });

  it('shows a higher bundle marking, saying whose it is', () => {
    expect(bannerMarking(consoleAt('UNCLASSIFIED'), bundle('SECRET'))).toEqual({
      marking: { classification: 'SECRET', classificationCaveat: '' },
      of: "the opened bundle's signed marking",
    });
  });

  it('never lowers the banners: a lower bundle keeps the console marking and its caveat', () => {
    for (const level of ['UNCLASSIFIED', 'CUI', 'SECRET'] as const)
      expect(bannerMarking(consoleAt('SECRET', 'NOFORN'), bundle(level))).toEqual({
        marking: consoleAt('SECRET', 'NOFORN'),
        of: undefined,
      });
  });

  it('still shows a higher marking from a bundle that did not verify, labelled as claimed', () => {
    const claimed = 'marking claimed by the opened bundle, which did not verify';
    expect(bannerMarking(consoleAt('SECRET'), bundle('TOP SECRET', claimed))).toEqual({
      marking: { classification: 'TOP SECRET', classificationCaveat: '' },
      of: claimed,
    });
    // A forged lower marking cannot lower the screen either.
    expect(bannerMarking(consoleAt('SECRET'), bundle('UNCLASSIFIED', claimed)).of).toBeUndefined();
  });

  it('with the console marking unavailable, shows the bundle one rather than none', () => {
    expect(bannerMarking(null, bundle('CUI')).marking?.classification).toBe('CUI');
  });
});
