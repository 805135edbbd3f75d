/**
 * The data keys of a cache file and their wraps (docs/cache.md "The data key is bound to the card",
 * "Maintenance"): storing a wrap per recipient with the card's label and public key sealed beside
 * it, unwrapping every generation present at unlock, re-wrapping to another card, and rotating to
 * a new generation (the rows themselves are re-sealed by their stores).
 */
import { createPublicKey } from 'node:crypto';
import { ArxFailure } from '../../../shared/contract';
import { mlKemFromSpki, mlKemSpki } from '../crypto/hybrid-kem';
import type { CacheState } from './cache-state';
import { DataKey, type Location } from './envelope';
import {
  aboutRecipient,
  fingerprintLabel,
  recipientFromAbout,
  unwrapKey,
  wrapKey,
  type Recipient,
  type StoredRecipient,
  type Unwrapper,
  type WrapRecord,
} from './key-wrap';

/** Ask for a rotation well before NIST's 2^32 random-nonce bound per key. */
export const ROTATE_AFTER_ENCRYPTIONS = 2 ** 31;

type StoredWrap = WrapRecord & { spki: Buffer | null; pq_spki: Buffer | null; about_cell: Buffer | null };

/** Where a card wrap's sealed label and public key live (key_wraps.about_cell). */
const aboutLocation = (generation: number, recipient: string): Location => ({
  table: 'key_wraps',
  row: `${generation}:${recipient}`,
  column: 'about',
});

/** What a rotation needs from the stores whose rows it re-seals (all inside its transactions). */
export interface RotationParts {
  /** Re-seals up to `limit` rows of generation `from` under `to`; returns how many. */
  reseal(from: number, to: number, limit: number): number;
  /** Rows still under generation `g`. */
  remaining(g: number): number;
  /** Re-seals the meta cells (workstation binding, anchor key) under the new generation. */
  resealMeta(): void;
}

export class KeyRing {
  constructor(private readonly state: CacheState) {}

  private get file() {
    return this.state.file;
  }

  /**
   * Stores one wrap (`key` is the data key it wraps). In clear: the recipient id (SHA-256 of the
   * SPKI: how the card finds its wrap), role, kind, and the recovery key's public key. A card's
   * label (certificate subject) and public key are sealed under `key` in about_cell.
   */
  insertWrap(r: Recipient, key: DataKey): void {
    const w = wrapKey(this.state.cacheId, key, r);
    const spki = r.role === 'recovery' ? r.publicKey.export({ type: 'spki', format: 'der' }) : null;
    const pqSpki = r.role === 'recovery' && r.pq ? mlKemSpki(r.pq) : null;
    const about =
      r.role === 'card'
        ? this.state.sealWith(key, aboutLocation(key.generation, w.recipient), aboutRecipient(r))
        : null;
    this.file
      .stmt(
        `INSERT INTO key_wraps (generation, recipient, role, kind, spki, exchange, salt, wrapped, about_cell, pq_ciphertext, pq_spki) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (generation, recipient) DO UPDATE SET exchange = excluded.exchange, salt = excluded.salt, wrapped = excluded.wrapped, about_cell = excluded.about_cell, pq_ciphertext = excluded.pq_ciphertext, pq_spki = excluded.pq_spki`,
      )
      .run(
        w.generation,
        w.recipient,
        w.role,
        w.kind,
        spki,
        w.exchange,
        w.salt,
        w.wrapped,
        about,
        w.pq_ciphertext ?? null,
        pqSpki,
      );
  }

  private wraps(): StoredWrap[] {
    return this.file
      .stmt(
        'SELECT generation, recipient, role, kind, spki, exchange, salt, wrapped, about_cell, pq_ciphertext, pq_spki FROM key_wraps ORDER BY generation, recipient',
      )
      .all() as StoredWrap[];
  }

  /**
   * The recipients of the current generation (for the status and for rotation), unlocked only: a
   * card's label and public key come from its sealed about cell; a card wrap migrated from format 1
   * that its card has not opened since is known by its fingerprint alone (publicKey null).
   */
  recipients(): StoredRecipient[] {
    this.state.requireUnlocked(true);
    const gen = this.file.header().generation;
    return this.wraps()
      .filter((w) => w.generation === gen)
      .map((w): StoredRecipient => {
        if (w.role === 'recovery')
          return {
            role: w.role,
            kind: w.kind,
            label: 'organisation recovery key',
            id: w.recipient,
            publicKey: w.spki ? createPublicKey({ key: w.spki, format: 'der', type: 'spki' }) : null,
            pq: w.pq_spki ? mlKemFromSpki(w.pq_spki) : null,
          };
        if (!w.about_cell)
          return { role: w.role, kind: w.kind, label: fingerprintLabel(w.recipient), id: w.recipient, publicKey: null };
        try {
          return recipientFromAbout(this.state.openCell(aboutLocation(w.generation, w.recipient), w.about_cell), w);
        } catch (err) {
          this.state.damaged(err);
        }
      });
  }

  /** Whether a card with this recipient id has a wrap in the file (no key needed: the id is in clear). */
  hasCardWrap(recipientId: string): boolean {
    return (
      this.file.stmt("SELECT 1 FROM key_wraps WHERE recipient = ? AND role = 'card'").get(recipientId) !== undefined
    );
  }

  /**
   * Unwraps the key of every generation present (two during a rotation) with `by` into the state.
   * CACHE_WRONG_CARD when `by` has no wrap. Returns `by`'s wraps (for learnSelf).
   */
  async unwrap(by: Unwrapper): Promise<StoredWrap[]> {
    const h = this.file.header();
    const mine = this.wraps().filter((w) => w.recipient === by.id);
    if (mine.length === 0) {
      throw new ArxFailure(
        'CACHE_WRONG_CARD',
        `This cache was not made for this ${by.describe}: its key is not wrapped to it.`,
        { recipient: by.id },
      );
    }
    for (const g of [h.generation, ...(h.rotatingTo !== null ? [h.rotatingTo] : [])]) {
      const w = mine.find((x) => x.generation === g);
      if (!w)
        throw new ArxFailure('CACHE_WRONG_CARD', `The ${by.describe} has no wrap of the key generation ${g}.`, {
          generation: g,
        });
      this.state.keys.set(g, await unwrapKey(h.cacheId, w, by));
    }
    this.state.cacheId = h.cacheId;
    return mine;
  }

  /**
   * A card's wraps migrated from format 1 lost its label and public key (they were in clear): the
   * card that just opened them presents its certificate, so they are sealed in again, under the
   * key of each wrap's generation.
   */
  learnSelf(by: Unwrapper, mine: { generation: number; about_cell: Buffer | null }[]): void {
    const self = by.self;
    if (!self || self.id !== by.id || self.role !== 'card') return;
    const missing = mine.filter((w) => !w.about_cell && this.state.keys.has(w.generation));
    if (missing.length === 0) return;
    this.file.tx(() => {
      const set = this.file.stmt('UPDATE key_wraps SET about_cell = ? WHERE generation = ? AND recipient = ?');
      for (const w of missing) {
        const key = this.state.keys.get(w.generation)!;
        set.run(
          this.state.sealWith(key, aboutLocation(w.generation, self.id), aboutRecipient(self)),
          w.generation,
          self.id,
        );
      }
      this.state.writeManifest();
    });
  }

  /** Wraps the current key generation(s) to another recipient; optionally removes every other card. */
  rewrap(to: Recipient, removeOtherCards: boolean): void {
    const db = this.state.requireUnlocked(true);
    db.transaction(() => {
      for (const k of this.state.keys.values()) this.insertWrap(to, k);
      if (removeOtherCards) this.file.stmt("DELETE FROM key_wraps WHERE role = 'card' AND recipient <> ?").run(to.id);
    })();
  }

  /**
   * Rotates the data key: a new generation wrapped to the same recipients, then every row
   * re-sealed in batches of `batchSize` (one transaction each). Killed half-way, the next unlock
   * has both keys and `rotate` continues where it stopped. Returns the rows left.
   */
  rotate(parts: RotationParts, batchSize: number, maxBatches = Infinity): number {
    this.state.requireUnlocked();
    if (this.file.header().rotatingTo === null) this.startRotation();
    const { generation: from, rotatingTo } = this.file.header();
    const to = rotatingTo!;
    for (let batch = 0; batch < maxBatches; batch++) {
      let moved = 0;
      this.file.open(false).transaction(() => {
        moved = parts.reseal(from, to, batchSize);
        if (moved > 0) this.state.writeManifest();
      })();
      if (moved === 0) break;
    }
    const remaining = parts.remaining(from);
    if (remaining === 0) this.finishRotation(parts, from, to);
    return remaining;
  }

  private startRotation(): void {
    const h = this.file.header();
    const recipients = this.recipients();
    const unknown = recipients.find((r) => !r.publicKey);
    if (unknown) {
      throw new ArxFailure(
        'CARD_CERT_MISSING',
        `The key is also wrapped to the card with ${unknown.label}, whose public key this cache no longer keeps in clear (format 1): open the cache once with that card, or re-wrap to your card with "Remove the other cards", then rotate.`,
        { recipient: unknown.id },
      );
    }
    const next = DataKey.random(h.generation + 1);
    this.file.tx(() => {
      for (const r of recipients as Recipient[]) this.insertWrap(r, next);
      this.file.setMeta('rotating_to', Buffer.from(String(next.generation)));
    });
    this.state.keys.set(next.generation, next);
    this.state.manifest.sealed = 0;
  }

  private finishRotation(parts: RotationParts, from: number, to: number): void {
    this.file.tx(() => {
      parts.resealMeta();
      this.file.setMeta('generation', Buffer.from(String(to)));
      this.file.deleteMeta('rotating_to');
      this.file.stmt('DELETE FROM key_wraps WHERE generation = ?').run(from);
      this.state.writeManifest();
    });
    this.state.keys.get(from)?.wipe();
    this.state.keys.delete(from);
  }

  /** Rows still under the old generation of a rotation in progress, or null when none is. */
  rotation(remaining: (g: number) => number): { to: number; remaining: number } | null {
    if (!this.file.db) return null;
    const h = this.file.header();
    return h.rotatingTo === null ? null : { to: h.rotatingTo, remaining: remaining(h.generation) };
  }
}
