import { createTheme, Portal, type CSSVariablesResolver, type MantineColorsTuple } from '@mantine/core';
import { OVERLAY_LAYER_ID } from '../shell/overlay-layer';

/**
 * System fonts only: the CSP admits no remote fonts, and an air-gapped workstation has none to
 * fetch. The stacks name what Windows, macOS and Debian ship.
 */
const SYSTEM_SANS =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif';
const SYSTEM_MONO =
  'ui-monospace, "Cascadia Mono", Consolas, "SFMono-Regular", Menlo, "Liberation Mono", "DejaVu Sans Mono", monospace';

/** A sober slate blue; shade 8 (light) and 7 (dark) carry white text at better than 4.5:1. */
const arx: MantineColorsTuple = [
  '#eef3f9',
  '#dbe4f0',
  '#b5c8e0',
  '#8cabcf',
  '#6992c1',
  '#5282b9',
  '#457ab6',
  '#3668a0',
  '#2c5c90',
  '#1c4f80',
];

export const theme = createTheme({
  colors: { arx },
  primaryColor: 'arx',
  primaryShade: { light: 8, dark: 7 },
  fontFamily: SYSTEM_SANS,
  fontFamilyMonospace: SYSTEM_MONO,
  headings: {
    fontFamily: SYSTEM_SANS,
    fontWeight: '650',
    sizes: {
      h1: { fontSize: '1.5rem', lineHeight: '1.3' },
      h2: { fontSize: '1.125rem', lineHeight: '1.35' },
      h3: { fontSize: '1rem', lineHeight: '1.4' },
    },
  },
  fontSizes: { xs: '0.75rem', sm: '0.8125rem', md: '0.875rem', lg: '1rem', xl: '1.125rem' },
  defaultRadius: 'sm',
  focusRing: 'auto',
  cursorType: 'pointer',
  respectReducedMotion: true,
  components: {
    // Every overlay lives in the band between the classification banners (shell/overlay-layer.ts).
    Portal: Portal.extend({ defaultProps: { target: `#${OVERLAY_LAYER_ID}` } }),
  },
});

/**
 * Mantine's default "dimmed" grey (gray.6 on white) is 3.3:1, below WCAG 2.1 AA for body text;
 * these values keep every secondary text, and the red of error notices, at 4.5:1 or better in both
 * schemes.
 */
export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {
    '--arx-header-bg': '#17212b',
    '--arx-header-text': '#f4f6f8',
  },
  light: {
    '--mantine-color-dimmed': t.colors.gray[7],
    '--mantine-color-anchor': arx[8],
    '--arx-surface-subtle': t.colors.gray[0],
    '--arx-border': t.colors.gray[3],
    '--arx-statusbar-bg': t.colors.gray[1],
    // Error notices (outline red): red.6 on white is 3.4:1, red.9 is 5.4:1.
    '--mantine-color-red-outline': t.colors.red[9],
  },
  dark: {
    '--mantine-color-dimmed': t.colors.dark[1],
    '--mantine-color-anchor': arx[2],
    '--arx-surface-subtle': t.colors.dark[8],
    '--arx-border': t.colors.dark[4],
    '--arx-statusbar-bg': t.colors.dark[8],
  },
});
