import { z } from 'zod';
import { ArxErrorSchema, type ArxError } from './errors';

/** Every response that crosses a boundary is one of these; nothing is ever thrown across it. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ArxError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ArxError['code'], message: string, details?: Record<string, unknown>): Result<never> =>
  details === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, details } };

export const resultSchema = <T extends z.ZodType>(value: T) =>
  z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }).strict(),
    z.object({ ok: z.literal(false), error: ArxErrorSchema }).strict(),
  ]);
