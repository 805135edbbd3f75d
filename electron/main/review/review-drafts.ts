import { randomUUID } from 'node:crypto';
import { fromBase64, toBase64 } from '../../../shared/bytes';
import { pae } from '../../../shared/dsse';
import {
  FIDELITY_PAYLOAD_TYPE,
  fidelityPayload,
  FidelityStatementSchema,
  type FidelityStatement,
} from '../../../shared/review';
import { sha256Hex } from './card-signature';

/** A draft as sealed in the local cache: the exact statement bytes (the statement is parsed from them). */
export interface SealedDraft {
  payload: string;
  owner: string;
  expires: number;
}

export interface ReviewDraft {
  draftId: string;
  statement: FidelityStatement;
  /** SHA-256 of the payload (the statement's bytes) and of the PAE the card signs the SHA-256 of. */
  payloadSha256: string;
  signingInputSha256: string;
}

export interface StoredDraft extends ReviewDraft {
  payload: Uint8Array;
  owner: string;
  expires: number;
}

/** Where drafts are sealed to survive a restart (the encrypted local cache), when there is one. */
export interface DraftSeal {
  putDraft: (draftId: string, draft: SealedDraft | { used: true }) => void;
  getDraft: (draftId: string) => SealedDraft | { used: true } | null;
}

const DRAFT_TTL_MS = 15 * 60_000;

function storedDraft(
  draftId: string,
  statement: FidelityStatement,
  payload: Uint8Array,
  owner: string,
  expires: number,
) {
  return {
    draftId,
    statement,
    payload,
    payloadSha256: sha256Hex(payload),
    signingInputSha256: sha256Hex(pae(FIDELITY_PAYLOAD_TYPE, payload)),
    owner,
    expires,
  };
}

/** The statement a sealed draft carries, or null when its bytes are not a fidelity statement. */
function openSealed(payload: Uint8Array): FidelityStatement | null {
  try {
    const opened = FidelityStatementSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
    return opened.success ? opened.data : null;
  } catch {
    return null;
  }
}

/** Prepared reviews waiting for the PIN: in memory, and sealed in the cache where there is one. */
export class DraftStore {
  private readonly drafts = new Map<string, StoredDraft>();
  constructor(private readonly seal: () => DraftSeal | undefined) {}

  /** Keeps a new draft of `statement` for `owner`; the exact bytes signed later are fixed here. */
  add(statement: FidelityStatement, owner: string): StoredDraft {
    const draft = storedDraft(randomUUID(), statement, fidelityPayload(statement), owner, Date.now() + DRAFT_TTL_MS);
    for (const [id, d] of this.drafts) if (d.expires < Date.now()) this.drafts.delete(id);
    this.drafts.set(draft.draftId, draft);
    this.sealDraft(draft.draftId, { payload: toBase64(draft.payload), owner: draft.owner, expires: draft.expires });
    return draft;
  }

  /** The draft from memory, or (after a restart) from the cache. */
  find(draftId: string): StoredDraft | undefined {
    const mem = this.drafts.get(draftId);
    if (mem) return mem;
    let sealed: SealedDraft | { used: true } | null = null;
    try {
      sealed = this.seal()?.getDraft(draftId) ?? null;
    } catch {
      return undefined;
    }
    if (!sealed || 'used' in sealed) return undefined;
    const payload = fromBase64(sealed.payload);
    if (!payload) return undefined;
    const statement = openSealed(payload);
    if (!statement) return undefined;
    return storedDraft(draftId, statement, payload, sealed.owner, sealed.expires);
  }

  forget(draftId: string): void {
    this.drafts.delete(draftId);
    this.sealDraft(draftId, { used: true });
  }

  /** Best effort: a draft that is not sealed is still signable from memory while the console runs. */
  private sealDraft(draftId: string, value: SealedDraft | { used: true }): void {
    try {
      this.seal()?.putDraft(draftId, value);
    } catch {
      // cache locked or damaged: the in-memory draft is enough
    }
  }
}
