import { z } from 'zod';

/**
 * Classification banner levels with the customary colours (DoDM 5200.01 Vol. 2 / CUI marking
 * guidance): background and text colour pairs chosen for WCAG AA contrast.
 */
export const CLASSIFICATION_LEVELS = [
  'UNCLASSIFIED',
  'CUI',
  'CONFIDENTIAL',
  'SECRET',
  'TOP SECRET',
  'TOP SECRET//SCI',
] as const;

export const ClassificationLevelSchema = z.enum(CLASSIFICATION_LEVELS);
export type ClassificationLevel = z.infer<typeof ClassificationLevelSchema>;

export interface BannerColours {
  background: string;
  text: string;
}

export const BANNER_COLOURS: Record<ClassificationLevel, BannerColours> = {
  UNCLASSIFIED: { background: '#007a33', text: '#ffffff' },
  CUI: { background: '#502b85', text: '#ffffff' },
  CONFIDENTIAL: { background: '#0033a0', text: '#ffffff' },
  SECRET: { background: '#c8102e', text: '#ffffff' },
  'TOP SECRET': { background: '#ff8c00', text: '#000000' },
  'TOP SECRET//SCI': { background: '#fce83a', text: '#000000' },
};
