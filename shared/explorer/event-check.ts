import { bytesEqual, fromBase64, fromHex, toHex } from '../bytes';
import { chainLink, eventDigest, nobleBlake3, type Blake3 } from '../chain';
import { parseVerifierKey, verifyTlogProof, type NoteVerifier } from '../checkpoint';

/**
 * What the explorer's detail view shows as checked, recomputed on this side of the boundary from
 * the stored bytes (docs/explorer.md): main hands over the row, the proof and the keys; the
 * verdict is computed here, in shared/ code, when the user looks at the event.
 */
export interface EventEvidence {
  tenantId: string;
  seq: number;
  bytesBase64: string;
  doc: unknown;
  digest: string;
  chainHash: string;
  previousHash: string | null;
  proof: { tlogProof: string; treeSize: number; issuedAt: string } | null;
  proofUnavailable: string | null;
  verifierKeys: { key: string; validFrom: string; validTo: string | null }[];
}

export type Check =
  | { state: 'ok'; detail: string }
  | { state: 'fail'; code: string; detail: string }
  | { state: 'unavailable'; detail: string };

export interface EventCheck {
  /** The stored bytes, decoded as UTF-8 text (what was hashed). */
  text: string;
  /** The bytes parsed as JSON, or null when they are not JSON. */
  parsed: unknown;
  /** d = BLAKE3("arx/event/v1" ‖ bytes), recomputed. */
  digest: Check & { recomputed: string };
  /** h = BLAKE3("arx/chain/v1" ‖ u64be(seq) ‖ h_(seq-1) ‖ d), recomputed from the stored previous hash. */
  link: Check & { recomputed: string | null };
  /** The inclusion of the stored chain hash under a signed checkpoint's root (RFC 9162 §2.1.3.2). */
  inclusion: Check;
  /** Whether the jsonb copy says the same as the bytes. */
  jsonb: Check;
}

/**
 * Recomputes everything the detail view claims. Never throws on hostile input: every problem is a
 * failed check with a code.
 */
export function checkEvent(e: EventEvidence, b3: Blake3 = nobleBlake3): EventCheck {
  const bytes = fromBase64(e.bytesBase64) ?? new Uint8Array(0);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  let parsed: unknown = null;
  let parseError: string | null = null;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    parseError = (err as Error).message;
  }

  const d = eventDigest(b3, bytes);
  const dHex = toHex(d);
  const digest: EventCheck['digest'] =
    dHex === e.digest
      ? { state: 'ok', detail: 'The stored bytes hash to the stored digest.', recomputed: dHex }
      : {
          state: 'fail',
          code: 'EVENT_DIGEST_MISMATCH',
          detail:
            'The stored bytes do not hash to the stored digest: the bytes or the digest were changed after writing.',
          recomputed: dHex,
        };

  let link: EventCheck['link'];
  const prev = e.previousHash === null ? undefined : fromHex(e.previousHash);
  const stored = fromHex(e.chainHash);
  if (!prev || !stored) {
    link = {
      state: 'unavailable',
      detail: 'The previous row is missing, so the link cannot be recomputed.',
      recomputed: null,
    };
  } else {
    // The link is recomputed with the *stored* digest, as the chain verifier does: a changed
    // payload shows as a digest mismatch, a rewritten digest as a link mismatch.
    const h = chainLink(b3, e.seq, prev, fromHex(e.digest) ?? d);
    link = bytesEqual(h, stored)
      ? {
          state: 'ok',
          detail: 'The stored chain hash follows from the previous row and the digest.',
          recomputed: toHex(h),
        }
      : {
          state: 'fail',
          code: 'CHAIN_LINK_MISMATCH',
          detail: 'The stored chain hash does not follow from the previous row’s hash and this digest.',
          recomputed: toHex(h),
        };
  }

  return {
    text,
    parsed,
    digest,
    link,
    inclusion: checkInclusion(e, stored),
    jsonb: compareJsonb(parsed, parseError, e.doc),
  };
}

function checkInclusion(e: EventEvidence, chainHash: Uint8Array | undefined): Check {
  if (!e.proof)
    return { state: 'unavailable', detail: e.proofUnavailable ?? 'No signed checkpoint covers this event yet.' };
  if (!chainHash) return { state: 'fail', code: 'ROW_MALFORMED', detail: 'The stored chain hash is not 32 bytes.' };
  const keys: { v: NoteVerifier; from: number; to: number | null }[] = [];
  for (const k of e.verifierKeys) {
    const p = parseVerifierKey(k.key);
    if (p.ok)
      keys.push({ v: p.value, from: Date.parse(k.validFrom), to: k.validTo === null ? null : Date.parse(k.validTo) });
  }
  const all = verifyTlogProof(
    e.proof.tlogProof,
    chainHash,
    keys.map((k) => k.v),
    { tenantId: e.tenantId, index: e.seq },
  );
  if (!all.ok)
    return {
      state: 'fail',
      code: all.error.code,
      detail: `${all.error.message.charAt(0).toUpperCase()}${all.error.message.slice(1)}: the stored chain does not lead to the root the gateway signed.`,
    };
  // A signature only counts from a key that was valid when the checkpoint says it was issued.
  const at = Date.parse(all.value.checkpoint.time);
  const inWindow = keys.filter((k) => k.from <= at && (k.to === null || at < k.to)).map((k) => k.v);
  const windowed = verifyTlogProof(e.proof.tlogProof, chainHash, inWindow, { tenantId: e.tenantId, index: e.seq });
  if (!windowed.ok)
    return {
      state: 'fail',
      code: 'CHECKPOINT_KEY_NOT_VALID',
      detail: `The checkpoint was signed by a key outside its validity window (issued ${all.value.checkpoint.time}).`,
    };
  const cp = all.value.checkpoint;
  return {
    state: 'ok',
    detail: `Event ${e.seq} is leaf ${e.seq} of the tree of size ${cp.size} whose root the gateway signed at ${cp.time}.`,
  };
}

/** Semantic JSON equality: object keys in any order (jsonb reorders them), arrays in order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && jsonEqual(ao[k], bo[k]));
}

/** The paths (a.b[2].c) where two JSON values differ, at most `limit`. */
export function jsonDifferences(a: unknown, b: unknown, path = '', out: string[] = [], limit = 20): string[] {
  if (out.length >= limit || jsonEqual(a, b)) return out;
  const bothObjects =
    a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) {
    out.push(path || '(root)');
    return out;
  }
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) out.push(`${path || '(root)'} (length ${a.length} vs ${bb.length})`);
    for (let i = 0; i < Math.min(a.length, bb.length); i++) jsonDifferences(a[i], bb[i], `${path}[${i}]`, out, limit);
    return out;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)]))
    jsonDifferences(ao[k], bo[k], path ? `${path}.${k}` : k, out, limit);
  return out;
}

function compareJsonb(parsed: unknown, parseError: string | null, doc: unknown): Check {
  if (parseError !== null)
    return { state: 'fail', code: 'EVENT_BYTES_NOT_JSON', detail: `The stored bytes are not JSON (${parseError}).` };
  if (jsonEqual(parsed, doc)) return { state: 'ok', detail: 'The jsonb copy says the same as the stored bytes.' };
  const at = jsonDifferences(parsed, doc);
  return {
    state: 'fail',
    code: 'JSONB_DISAGREES',
    detail: `The jsonb copy disagrees with the stored bytes at ${at.join(', ')}. The bytes are the evidence: they are what was hashed and chained; the jsonb copy (used for filtering) was changed.`,
  };
}
