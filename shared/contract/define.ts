import { z } from 'zod';

/** One command of the contract: request and response schemas, a summary, and whether consent is needed. */
export interface CommandDef<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> {
  readonly request: Req;
  readonly response: Res;
  /** One line for `arx --help` and the docs. */
  readonly summary: string;
  /** Refused with CONSENT_REQUIRED until the notice and consent banner was acknowledged. */
  readonly requiresConsent: boolean;
}

export const def = <Req extends z.ZodType, Res extends z.ZodType>(d: CommandDef<Req, Res>) => d;
export const empty = z.object({}).strict();

/** A card PIN as commands carry it (never logged, never stored). */
export const PinSchema = z.string().regex(/^[0-9A-Za-z]{4,16}$/, 'a PIN is 4 to 16 letters or digits');
