import { z } from 'zod';

/**
 * The identifiers every layer shares, defined once: tenant and record ids (lowercase hyphenated
 * UUIDs, the form PostgreSQL prints), 32-byte digests as lowercase hex, and chain positions.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const HEX32_PATTERN = /^[0-9a-f]{64}$/;

export const isUuid = (s: string): boolean => UUID_PATTERN.test(s);

/** A zod UUID in PostgreSQL's lowercase form; `what` names it in the error message. */
export const uuidSchema = (what = 'a lowercase hyphenated UUID') => z.string().regex(UUID_PATTERN, what);
/** 32 bytes as 64 lowercase hex digits (SHA-256, BLAKE3). */
export const hex32Schema = (what?: string) => z.string().regex(HEX32_PATTERN, what);
/** A chain position: a whole number that JavaScript holds exactly. */
export const SeqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
