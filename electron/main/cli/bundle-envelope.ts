/**
 * The command line's part of encrypted bundles: recipient files read for `arx bundle export`, and
 * for `arx bundle verify` the recovery private key or the auditor's card (logged in here, with no
 * control plane: opening a bundle needs nothing else), asked only when the file is encrypted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ArxFailure } from '../../../shared/contract';
import { createKemKey, openKemKey } from '../bundle/envelope/kem-key';
import { cardOpener, recoveryOpener, type EnvelopeOpener } from '../bundle/envelope/keys';
import type { EnvelopeSummary } from '../bundle/envelope/verify-encrypted';
import { CardService } from '../card/card-service';
import { loadConfig } from '../config/config';
import { EXIT_OK, type CliCommand, type CliIo } from './cli-command';
import { CARD_USAGE, readPin, type CardChoice } from './operator-login';

export const ENCRYPT_OPTIONS = {
  'encrypt-to': { type: 'string', multiple: true },
  'recovery-key': { type: 'string' },
} as const;
export const ENCRYPT_USAGE = '[--encrypt-to RECIPIENT.pem|.der ...] [--recovery-key RECOVERY.pub.pem]';

export const OPEN_OPTIONS = {
  'recovery-key': { type: 'string' },
  card: { type: 'boolean' },
  'kem-key': { type: 'string' },
  token: { type: 'string' },
  slot: { type: 'string' },
  'pin-stdin': { type: 'boolean' },
} as const;
export const OPEN_USAGE = `[--recovery-key RECOVERY.pem | --card [--kem-key FILE] ${CARD_USAGE}]`;

const read = (file: string, what: string) => {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ArxFailure('INVALID_REQUEST', `Cannot read ${what} ${file}: ${(e as Error).message}`, { file });
  }
};

/**
 * The export request's recipients: the files of --encrypt-to and --recovery-key by path, read as
 * bytes by the handler after the boundary checked each (a DER certificate stays DER).
 */
export function encryptRequest(v: { 'encrypt-to'?: string[] | undefined; 'recovery-key'?: string | undefined }) {
  return {
    recipientFiles: v['encrypt-to'] ?? [],
    recoveryKeyFile: v['recovery-key'] ?? null,
  };
}

type OpenValues = CardChoice & {
  'recovery-key'?: string | undefined;
  card?: boolean | undefined;
  'kem-key'?: string | undefined;
};

/** Openers for `arx bundle verify`, and the logout to run after verifying. */
export function bundleOpeners(
  io: CliIo,
  v: OpenValues,
): { openers: () => Promise<EnvelopeOpener[]>; close: () => Promise<void> } {
  let card: CardService | null = null;
  let logout: (() => Promise<void>) | null = null;
  return {
    async openers() {
      const out: EnvelopeOpener[] = [];
      if (v['recovery-key'])
        out.push(
          recoveryOpener(
            read(v['recovery-key'], 'the recovery key'),
            io.env.ARX_RECOVERY_PASSPHRASE ?? null,
            v['recovery-key'],
          ),
        );
      if (v.card) {
        const pin = await readPin(io, v['pin-stdin'], {
          code: 'CARD_PIN_REQUIRED',
          prompt: 'Card PIN (to open the encrypted bundle): ',
        });
        card = await CardService.open({ modulePath: loadConfig(io.env).card.module });
        const present = (await card.listSlots()).filter((s) => s.token);
        const chosen = v.slot
          ? present.find((s) => s.slot === v.slot)
          : v.token
            ? present.find((s) => s.token?.label === v.token)
            : present.length === 1
              ? present[0]
              : undefined;
        if (!chosen)
          throw new ArxFailure('CARD_NOT_CHOSEN', 'Choose the card: give --token LABEL or --slot N.', {
            path: 'token',
          });
        const session = await card.login(chosen.slot, new TextEncoder().encode(pin), {});
        logout = () => session.logout();
        const base = cardOpener(session, null);
        const pq = v['kem-key']
          ? await openKemKey(read(v['kem-key'], 'the ML-KEM key file').toString('utf8'), base)
          : null;
        out.push(pq ? { ...base, pq } : base);
      }
      return out;
    },
    async close() {
      await logout?.().catch(() => {});
      await card?.close().catch(() => {});
    },
  };
}

export const envelopeLine = (e: EnvelopeSummary) =>
  `Encrypted bundle: ${e.recipients} recipient(s); opened with the ${e.openedBy}${e.hybrid ? ' (hybrid ML-KEM-1024 + classical stanza)' : ' (classical stanza)'}; the bundle inside:`;

export const bundleKemKey: CliCommand = {
  name: ['bundle', 'kem-key'],
  summary:
    "Make a card holder's ML-KEM-1024 key for encrypted bundles: the private half sealed to their key-management certificate (no card needed), the public half beside the certificate.",
  usage: 'arx bundle kem-key --cert KEY_MANAGEMENT.pem --out KEM-KEY.json --public-out RECIPIENT.pem',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { cert: { type: 'string' }, out: { type: 'string' }, 'public-out': { type: 'string' } },
      strict: true,
    });
    if (!values.cert || !values.out || !values['public-out'])
      throw new ArxFailure('INVALID_REQUEST', 'Give --cert, --out and --public-out.', { path: 'cert' });
    const text = read(values.cert, 'the certificate').toString('latin1');
    const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
    const der = m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : read(values.cert, 'the certificate');
    const k = createKemKey(der);
    writeFileSync(values.out, k.privateFile, { mode: 0o600, flag: 'wx' });
    writeFileSync(values['public-out'], k.publicFile, { flag: 'wx' });
    io.out(`Wrote ${values.out} (sealed to the certificate's key) and ${values['public-out']} (give it to exporters).`);
    return EXIT_OK;
  },
};
