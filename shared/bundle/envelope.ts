/**
 * The encrypted envelope around a bundle (docs/bundle-format.md, "Encrypted bundles"): the
 * constants and codes every reader shares. Sealing and opening are electron/main/bundle/envelope/.
 */

/** The first 16 bytes of an encrypted bundle. */
export const ENVELOPE_MAGIC = 'arx-envelope/v1\n';

export const ENVELOPE_LIMITS = {
  /** Header bytes (the stanzas), at most. */
  maxHeaderBytes: 1 << 20,
  maxStanzas: 64,
  /** Plaintext bytes per payload chunk: 2^chunkExponent, in this range. */
  minChunkExponent: 12,
  maxChunkExponent: 24,
} as const;

export const STANZA_TYPES = { 'ecdh-p256': 1, 'ecdh-p384': 2, 'rsa-oaep': 3 } as const;
export const STANZA_ROLES = { card: 1, recovery: 2 } as const;
/** Stanza flag: the stanza carries an ML-KEM-1024 ciphertext (hybrid). */
export const STANZA_FLAG_HYBRID = 1;

/** Codes that end the reading of an encrypted bundle before verification (exit 2). */
export const ENVELOPE_FATAL_CODES = [
  /** The file is encrypted and neither a card nor a recovery key was given. */
  'BUNDLE_ENCRYPTED_KEY_REQUIRED',
  /** The logged-in card's key-management key is not among the recipients. */
  'BUNDLE_WRONG_CARD',
  /** The recovery key given is not among the recipients. */
  'BUNDLE_RECIPIENT_UNKNOWN',
  /** The recipient's stanza does not open with its key (a wrong ML-KEM or classical half, an altered stanza). */
  'BUNDLE_KEY_UNWRAP_FAILED',
  /** The header (another recipient's stanza, the salt, the chunk size) was altered. */
  'BUNDLE_ENVELOPE_HEADER_TAMPERED',
  /** A payload chunk fails its authentication tag. */
  'BUNDLE_CIPHERTEXT_TAMPERED',
  /** The file ends before the last chunk (or inside the header). */
  'BUNDLE_ENVELOPE_TRUNCATED',
  /** A header that is not one: a bad length, an unknown stanza type or flag, a limit exceeded. */
  'BUNDLE_ENVELOPE_MALFORMED',
] as const;
export type EnvelopeFatalCode = (typeof ENVELOPE_FATAL_CODES)[number];
