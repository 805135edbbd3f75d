/**
 * The card's side of vsmartcard's vpcd reader driver: a TCP connection to the port the reader
 * listens on, each message a 2-byte big-endian length and its bytes. A 1-byte message is a control
 * code (0 power off, 1 power on, 2 reset, 4 ATR request); anything longer is a command APDU, which
 * is answered with the response APDU. Closing the connection is the card leaving the reader.
 */
import { Socket, createConnection } from 'node:net';
import { EventEmitter } from 'node:events';
import type { PivCard } from './piv-card';

/** T=1 ATR with the historical bytes "ARX VPIV" (ISO 7816-3 §8.2; TCK is the XOR from T0 on). */
export const VIRTUAL_PIV_ATR = (() => {
  const body = [0x88, 0x80, 0x01, ...Buffer.from('ARX VPIV', 'ascii')];
  return Uint8Array.of(
    0x3b,
    ...body,
    body.reduce((x, b) => x ^ b, 0),
  );
})();

export class VpcdLink extends EventEmitter<{ powered: []; apdu: [ins: number, apdu: Uint8Array] }> {
  private socket: Socket | null = null;
  private buffered = Buffer.alloc(0);
  private dropWhen: ((apdu: Uint8Array) => boolean) | null = null;
  /** Milliseconds each APDU takes (a real card takes a few to a few hundred). */
  apduDelayMs = 0;
  /** Milliseconds spent answering APDUs (the card's own time, delay included). */
  cardMs = 0;

  constructor(
    public card: PivCard,
    readonly port: number,
    readonly host = '127.0.0.1',
  ) {
    super();
  }

  get inserted(): boolean {
    return this.socket !== null;
  }

  /** Connects to the reader: the card is inserted. Resolves once pcscd has powered it up. */
  async insert(timeoutMs = 10_000): Promise<void> {
    if (this.socket) return;
    const powered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`vpcd on port ${this.port} never powered the card`)), timeoutMs);
      this.once('powered', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await new Promise<void>((resolve, reject) => {
      const socket = createConnection({ port: this.port, host: this.host }, () => resolve());
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.on('data', (chunk) => this.receive(chunk));
      socket.on('close', () => {
        if (this.socket === socket) this.detach();
      });
      this.socket = socket;
    });
    await powered;
  }

  /** Closes the connection: pcscd sees the card leave the reader. */
  async remove(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.detach();
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  /** The next command APDU for which `when` is true is not answered: the card is pulled instead. */
  removeOnCommand(when: (apdu: Uint8Array) => boolean): void {
    this.dropWhen = when;
  }

  private detach(): void {
    this.socket = null;
    this.buffered = Buffer.alloc(0);
    this.card.reset();
  }

  private receive(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 2) {
      const len = this.buffered.readUInt16BE(0);
      if (this.buffered.length < 2 + len) return;
      const message = new Uint8Array(this.buffered.subarray(2, 2 + len));
      this.buffered = this.buffered.subarray(2 + len);
      void this.handle(message);
    }
  }

  private async handle(message: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    if (message.length === 1) {
      const code = message[0];
      if (code === 0 || code === 2) this.card.reset();
      if (code === 4) this.send(socket, VIRTUAL_PIV_ATR);
      if (code === 1 || code === 4) this.emit('powered');
      return;
    }
    if (this.dropWhen?.(message)) {
      this.dropWhen = null;
      await this.remove();
      return;
    }
    this.emit('apdu', message[1] ?? 0, message);
    const t0 = performance.now();
    const response = this.card.transmit(message);
    if (this.apduDelayMs > 0) await new Promise((r) => setTimeout(r, this.apduDelayMs));
    this.cardMs += performance.now() - t0;
    if (this.socket === socket) this.send(socket, response);
  }

  private send(socket: Socket, data: Uint8Array): void {
    const frame = Buffer.alloc(2 + data.length);
    frame.writeUInt16BE(data.length, 0);
    frame.set(data, 2);
    socket.write(frame);
  }
}
