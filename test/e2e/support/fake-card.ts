import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import type { CardBackend } from '../../../electron/main/card/operator-auth';
import type { CardCertificate, CardSlot } from '../../../electron/main/card/card-service';
import type { PinState } from '../../../electron/main/card/pin-state';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import type { Registry } from '../../../electron/main/core/registry';

/** What a slot of the fake card backend holds: no card, or a card with a PIN state. */
export type FakeSlot =
  | { description: string; card: null }
  | { description: string; card: { label: string; serial: string; pinState: PinState } };

export const pinState = (level: PinState['level'], extra: Partial<PinState> = {}): PinState => ({
  level,
  pinPad: false,
  needsConfirmation: level === 'final-try',
  refuse: level === 'locked',
  message: {
    ok: 'PIN tries remaining.',
    warning: 'A wrong PIN was entered before: few tries remain.',
    'final-try': 'This is the final PIN try.',
    locked: 'The PIN is locked.',
  }[level],
  ...extra,
});

/** Every login() call, with the PIN as the card would receive it (to check what crossed the boundary). */
export interface FakeLoginCall {
  slot: string;
  pin: string | null;
  certificateId: string | undefined;
  confirmFinalTry: boolean | undefined;
}

/**
 * A CardBackend with fabricated slots and PIN states whose login() always refuses with
 * PIN_INCORRECT. It exercises the login screen's states; it cannot produce a logged-in session,
 * because login also validates the certificate path and looks the operator up in a control plane.
 */
export function fakeCardBackend(
  slots: FakeSlot[],
  certificates: Partial<CardCertificate>[] = [],
  calls: FakeLoginCall[] = [],
): () => Promise<CardBackend> {
  const backend: CardBackend = {
    async listSlots(): Promise<CardSlot[]> {
      return slots.map((s, i) => ({
        slot: `0x${i.toString(16)}`,
        description: s.description,
        manufacturer: 'ARX test',
        flags: 0,
        tokenPresent: s.card !== null,
        token: s.card
          ? {
              label: s.card.label,
              manufacturer: 'ARX test',
              model: 'PIV',
              serialNumber: s.card.serial,
              flags: 0x400 /* CKF_TOKEN_INITIALIZED */,
            }
          : null,
        pinState: s.card?.pinState ?? null,
      }));
    },
    async listCertificates(): Promise<CardCertificate[]> {
      return certificates.map((c, i) => ({
        id: `0${i + 1}`,
        label: `Certificate ${i + 1}`,
        role: 'piv-authentication',
        keyReference: '9A',
        der: new Uint8Array(),
        subject: `CN=TEST.OPERATOR.${i + 1}`,
        fingerprint: '00'.repeat(32),
        ...c,
      })) as CardCertificate[];
    },
    async login(slot, pin, options) {
      calls.push({
        slot,
        pin: pin ? new TextDecoder().decode(pin) : null,
        certificateId: options.certificateId,
        confirmFinalTry: options.confirmFinalTry,
      });
      throw new ArxFailure('PIN_INCORRECT', 'The PIN is incorrect.');
    },
    async close() {},
  };
  return async () => backend;
}

export const STUB_OPERATOR: OperatorSession = {
  operatorId: '00000000-0000-4000-8000-000000000001',
  edipi: '1234567890',
  displayName: 'TEST OPERATOR',
  tokenLabel: 'TEST CARD',
  certificateSha256: 'ab'.repeat(32),
  roles: [
    { tenantId: 't-alpha', tenant: 'alpha-command', role: 'isso' },
    { tenantId: 't-alpha', tenant: 'alpha-command', role: 'policy-author' },
  ],
  startedAt: '2026-11-25T18:00:00.000Z',
  locked: false,
  lockReason: null,
};

/**
 * Test-only: main's operator session replaced by a stub, for specs about the console behind the
 * login (no control plane here, so no real operator can log in). card.session answers the stub;
 * card.lock, card.unlock (any well-formed PIN) and card.logout change it and publish
 * session.changed, the way OperatorAuth does. Every other command goes to the real registry.
 */
export function withStubOperator(services: ConsoleServices, initial: OperatorSession): ConsoleServices {
  let session: OperatorSession | null = { ...initial };
  const inner = services.registry;
  const change = (s: OperatorSession | null) => {
    session = s;
    services.hub.publish('session.changed', s);
  };
  const registry: Registry = {
    invoke: (async (name: string, request: unknown, ctx: Parameters<Registry['invoke']>[2]) => {
      const result = await inner.invoke(name, request, ctx);
      // The real registry validated the request and enforced consent; only its answer is replaced.
      if (!result.ok && (result.error.code === 'INVALID_REQUEST' || result.error.code === 'CONSENT_REQUIRED'))
        return result;
      switch (name) {
        case 'card.session':
          return { ok: true, value: session };
        case 'card.lock':
          if (session) change({ ...session, locked: true, lockReason: 'user' });
          return session ? { ok: true, value: session } : result;
        case 'card.unlock':
          if (session) change({ ...session, locked: false, lockReason: null });
          return session ? { ok: true, value: session } : result;
        case 'card.logout':
          change(null);
          return { ok: true, value: { loggedOut: true } };
        default:
          return result;
      }
    }) as Registry['invoke'],
  };
  return { ...services, registry };
}
