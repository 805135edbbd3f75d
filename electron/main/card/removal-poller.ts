/**
 * Notices that a card left its reader by polling, never by C_WaitForSlotEvent (which blocks the
 * worker, and with it every other card call). Each tick asks for the slots with a token present
 * and the token's info; the card counts as removed when its slot is gone or empty, its token info
 * cannot be read, or a different card (another serial number) sits in the slot.
 */
import { EventEmitter } from 'node:events';
import type { Pkcs11Client } from './pkcs11-client';
import type { HandleHex } from './pkcs11-protocol';

export class RemovalPoller extends EventEmitter<{ removed: [reason: string] }> {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private done = false;

  constructor(
    private readonly client: Pkcs11Client,
    private readonly slot: HandleHex,
    private readonly serialNumber: string,
    private readonly intervalMs: number,
  ) {
    super();
  }

  start(): void {
    if (this.timer || this.done) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.done = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One check; a tick still running when the next is due is not doubled up. */
  async tick(): Promise<void> {
    if (this.busy || this.done) return;
    this.busy = true;
    try {
      const reason = await this.check();
      if (reason && !this.done) {
        this.stop();
        this.emit('removed', reason);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Why the card counts as gone from its slot, or null while it is there. */
  async check(): Promise<string | null> {
    try {
      const present = await this.client.call({ op: 'getSlots', tokenPresent: true });
      if (!present.some((s) => s.slot === this.slot && s.tokenPresent)) return 'no token in the slot';
      const token = await this.client.call({ op: 'getTokenInfo', slot: this.slot });
      if (token.serialNumber !== this.serialNumber) return 'a different card is in the slot';
      return null;
    } catch (err) {
      // CARD_REMOVED, or any failure to read the token (SoftHSM2 answers CKR_GENERAL_ERROR for a
      // deleted token): a card that cannot be read is treated as gone (fail closed).
      return `the token cannot be read (${(err as { code?: string }).code ?? 'error'})`;
    }
  }
}
