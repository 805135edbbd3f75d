import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * A SCRAM-SHA-256 verifier in PostgreSQL's stored form (RFC 5802 §3, RFC 7677):
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, all base64. Setting it as a
 * role's PASSWORD lets the server authenticate the password without ever receiving it. Written
 * here because pg computes only the client side, in its private files. `password` must be ASCII
 * (SASLprep leaves it unchanged): ours are random base64url.
 */
export function scramSha256Verifier(password: string | Uint8Array, salt = randomBytes(16), iterations = 4096): string {
  // Bytes are accepted so that a caller can wipe them afterwards; a string cannot be wiped.
  if (!(typeof password === 'string' ? /^[\x21-\x7e]+$/.test(password) : isPrintableAscii(password)))
    throw new RangeError('scram: the password must be printable ASCII');
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  const b64 = (b: Buffer) => b.toString('base64');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

function isPrintableAscii(b: Uint8Array): boolean {
  return b.length > 0 && b.every((c) => c >= 0x21 && c <= 0x7e);
}

/** A database password of 256 random bits, as base64url (43 characters). */
export const randomDatabasePassword = (): string => randomBytes(32).toString('base64url');
