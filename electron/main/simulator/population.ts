import { PROVIDERS, type DataClassificationSchema } from '../../../shared/events';
import type { z } from 'zod';

type Classification = z.infer<typeof DataClassificationSchema>;

/**
 * A small seeded PRNG (mulberry32). Hand-written on purpose: five lines, and the simulator must be
 * bit-for-bit deterministic for a given seed across Node versions, which Math.random is not.
 */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** A log-normal-ish positive number around `median`. */
  around(median: number, spread = 0.6): number {
    const u = this.next() + this.next() + this.next() - 1.5; // ~normal, sd 0.5
    return median * Math.exp(u * spread * 2);
  }
  uuid(): string {
    const h = () =>
      Math.floor(this.next() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    const a = h() + h() + h() + h();
    return `${a.slice(0, 8)}-${a.slice(8, 12)}-4${a.slice(13, 16)}-${'89ab'[this.int(0, 3)]}${a.slice(17, 20)}-${a.slice(20, 32)}`;
  }
}

export interface SimModel {
  provider: (typeof PROVIDERS)[number];
  model: string;
  maxClassification: Classification;
  jurisdictions: string[];
  centsPer1kTokens: number;
  region: string;
}

export interface SimUser {
  id: string;
  team: string;
  organisation: string;
  clearance: Classification;
  /** Typical prompt size and requests per working hour: the user's norm. */
  typicalTokens: number;
  weight: number;
}

export const MODELS: SimModel[] = [
  {
    provider: 'anthropic',
    model: 'claude-opus',
    maxClassification: 'cui',
    jurisdictions: ['US'],
    centsPer1kTokens: 7,
    region: 'us-gov-east',
  },
  {
    provider: 'anthropic',
    model: 'claude-sonnet',
    maxClassification: 'cui',
    jurisdictions: ['US', 'GB'],
    centsPer1kTokens: 2,
    region: 'us-gov-west',
  },
  {
    provider: 'openai',
    model: 'gpt-large',
    maxClassification: 'internal',
    jurisdictions: ['US'],
    centsPer1kTokens: 5,
    region: 'us-east',
  },
  {
    provider: 'openai',
    model: 'gpt-mini',
    maxClassification: 'internal',
    jurisdictions: ['US', 'GB', 'DE'],
    centsPer1kTokens: 1,
    region: 'us-east',
  },
  {
    provider: 'google-vertex',
    model: 'gemini-pro',
    maxClassification: 'cui',
    jurisdictions: ['US'],
    centsPer1kTokens: 4,
    region: 'us-central',
  },
  {
    provider: 'mistral',
    model: 'mistral-large',
    maxClassification: 'internal',
    jurisdictions: ['DE', 'FR'],
    centsPer1kTokens: 3,
    region: 'eu-west',
  },
  {
    provider: 'groq',
    model: 'llama-70b',
    maxClassification: 'public',
    jurisdictions: ['US'],
    centsPer1kTokens: 1,
    region: 'us-west',
  },
];

const FIRST = [
  'ada',
  'ben',
  'cara',
  'dev',
  'eli',
  'fay',
  'gus',
  'hana',
  'ivo',
  'june',
  'kai',
  'lena',
  'milo',
  'nia',
  'otto',
  'pia',
];
const TEAMS: [string, string][] = [
  ['intel-analysis', 'j2-directorate'],
  ['cyber-defense', 'j6-directorate'],
  ['logistics', 'j4-directorate'],
  ['legal', 'staff-judge-advocate'],
  ['finance', 'comptroller'],
  ['research', 'j6-directorate'],
];
const CLEARANCES: Classification[] = ['internal', 'cui', 'cui', 'secret', 'internal', 'public'];

/** Users in teams in organisations, deterministic for the seed. */
export function population(rng: Rng, users = 48): SimUser[] {
  const out: SimUser[] = [];
  for (let i = 0; i < users; i++) {
    const [team, organisation] = TEAMS[i % TEAMS.length]!;
    out.push({
      id: `${FIRST[i % FIRST.length]}.${team.split('-')[0]}${Math.floor(i / FIRST.length) || ''}`,
      team,
      organisation,
      clearance: CLEARANCES[(i * 7) % CLEARANCES.length]!,
      typicalTokens: Math.round(rng.around(1200, 0.4)),
      weight: rng.around(1, 0.5),
    });
  }
  return out;
}
