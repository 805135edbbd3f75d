import type { SectionId } from '../sections/section-list';

/**
 * A handful of 24×24 stroke icons drawn inline (no icon font, no remote asset). Decorative only:
 * every icon sits next to a text label and is hidden from assistive technology.
 */
function Icon({ d, size = 18 }: { d: readonly string[]; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.75}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {d.map((p) => (
        <path key={p} d={p} />
      ))}
    </svg>
  );
}

const PATHS: Record<SectionId | 'shield' | 'sun' | 'moon' | 'info', readonly string[]> = {
  home: ['M5 12H3l9-9l9 9h-2', 'M5 12v7a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-7', 'M9 21v-6a2 2 0 0 1 2-2h2a2 2 0 0 1 2 2v6'],
  policies: [
    'M14 3v4a1 1 0 0 0 1 1h4',
    'M17 21H7a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h7l5 5v11a2 2 0 0 1-2 2z',
    'M9 15l2 2l4-4',
  ],
  audit: [
    'M9 15l6-6',
    'M11 6l.463-.536a5 5 0 0 1 7.071 7.072l-.534.464',
    'M13 18l-.397.534a5.068 5.068 0 0 1-7.127 0a4.972 4.972 0 0 1 0-7.071l.524-.463',
  ],
  certificates: [
    'M12 15a3 3 0 1 0 6 0a3 3 0 1 0-6 0',
    'M13 17.5v4.5l2-1.5l2 1.5v-4.5',
    'M10 19h-5a2 2 0 0 1-2-2v-10c0-1.1.9-2 2-2h14a2 2 0 0 1 2 2v10a2 2 0 0 1-1 1.73',
    'M6 9h12',
    'M6 12h3',
    'M6 15h2',
  ],
  bundles: [
    'M3 6a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2a2 2 0 0 1-2 2h-14a2 2 0 0 1-2-2z',
    'M5 8v10a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-10',
    'M10 12h4',
  ],
  administration: ['M8 7a4 4 0 1 0 8 0a4 4 0 1 0-8 0', 'M6 21v-2a4 4 0 0 1 4-4h2.5', 'M17.5 15v6', 'M14.5 18h6'],
  settings: [
    'M12 6a2 2 0 1 0 4 0a2 2 0 1 0-4 0',
    'M4 6h8',
    'M16 6h4',
    'M6 12a2 2 0 1 0 4 0a2 2 0 1 0-4 0',
    'M4 12h2',
    'M10 12h10',
    'M15 18a2 2 0 1 0 4 0a2 2 0 1 0-4 0',
    'M4 18h11',
    'M19 18h1',
  ],
  shield: ['M12 3a12 12 0 0 0 8.5 3a12 12 0 0 1-8.5 15a12 12 0 0 1-8.5-15a12 12 0 0 0 8.5-3', 'M9 12l2 2l4-4'],
  sun: [
    'M8 12a4 4 0 1 0 8 0a4 4 0 1 0-8 0',
    'M3 12h1m8-9v1m8 8h1m-9 8v1m-6.4-15.4l.7.7m12.1-.7l-.7.7m0 11.4l.7.7m-12.1-.7l-.7.7',
  ],
  info: ['M3 12a9 9 0 1 0 18 0a9 9 0 1 0-18 0', 'M12 9h.01', 'M11 12h1v4h1'],
  moon: ['M12 3c.132 0 .263 0 .393 0a7.5 7.5 0 0 0 7.92 12.446a9 9 0 1 1-8.313-12.454z'],
};

export const SectionIcon = ({ id }: { id: SectionId }) => <Icon d={PATHS[id]} />;
export const ShieldIcon = ({ size }: { size?: number }) => <Icon d={PATHS.shield} size={size ?? 22} />;
export const SunIcon = () => <Icon d={PATHS.sun} />;
export const MoonIcon = () => <Icon d={PATHS.moon} />;
export const InfoIcon = () => <Icon d={PATHS.info} />;
