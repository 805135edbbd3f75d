import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardService, type CardSession } from '../../../electron/main/card/card-service';
import { provisionTestCards, TEST_CARDS, type ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { cardKey } from '../../../electron/main/cache/cache-service';
import { recipientFromRecoveryFile, recoveryUnwrapper } from '../../../electron/main/cache/key-wrap';
import { LocalCache } from '../../../electron/main/cache/local-cache';
import { asyncFailureCode } from '../../support/failure-code';

// The cache key bound to real (SoftHSM2) cards laid out like PIV cards: ECDH with the EC card's 9D
// key through C_DeriveKey, RSA-OAEP decryption with the RSA card's 9D key through C_Decrypt.

let dir: string;
let cards: ProvisionedTestCards;
let service: CardService;
const ADAMS = TEST_CARDS.find((c) => c.label === 'ARX TEST ADAMS EC')!;
const BAKER = TEST_CARDS.find((c) => c.label === 'ARX TEST BAKER RSA')!;
const OTHER_EC = {
  ...ADAMS,
  label: 'ARX TEST OTHER EC',
  person: { last: 'OTHER', first: 'OLIVE', middle: 'O', edipi: '1000000099' },
};
const OTHER_RSA = {
  ...BAKER,
  label: 'ARX TEST OTHER RSA',
  person: { last: 'RIVERS', first: 'ROY', middle: 'R', edipi: '1000000098' },
};

async function login(label: string): Promise<CardSession> {
  const slots = await service.listSlots();
  const slot = slots.find((s) => s.token?.label === label)!.slot;
  return service.login(slot, new TextEncoder().encode('123456'));
}

const code = asyncFailureCode;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-cache-cards-'));
  cards = await provisionTestCards(join(dir, 'cards'), { specs: [ADAMS, BAKER, OTHER_EC, OTHER_RSA] });
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  service = await CardService.open({ modulePath: cards.module });
}, 240_000);

afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cache key on the card (9D)', () => {
  for (const [own, other] of [
    ['ARX TEST ADAMS EC', 'ARX TEST OTHER EC'],
    ['ARX TEST BAKER RSA', 'ARX TEST OTHER RSA'],
  ] as const) {
    it(`${own}: opens with its own card, not with another person's card; opens with the recovery key`, async () => {
      const file = join(dir, `${own.replace(/\W+/g, '-')}.db`);
      const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const recovery = recipientFromRecoveryFile(
        Buffer.from(kp.publicKey.export({ type: 'spki', format: 'pem' }) as string),
        'mem',
      );
      const cache = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 20 });

      const mine = await login(own);
      const { recipient, unwrapper } = cardKey(mine);
      expect(recipient.kind).toBe(own.endsWith('EC') ? 'ec' : 'rsa');
      cache.create([recipient, recovery], 'card');
      cache.put('event-page', 'p', { secret: 'evidence' }, { refetchable: true });
      cache.lock();
      await cache.unlock(unwrapper, 'card'); // the card does ECDH / OAEP
      expect(cache.get('event-page', 'p')).toEqual({ secret: 'evidence' });
      cache.lock();

      const theirs = await login(other);
      const them = cardKey(theirs);
      expect(await code(cache.unlock(them.unwrapper, 'card'))).toBe('CACHE_WRONG_CARD');
      // Even when it claims to be the right card, its key does not open the wrap.
      expect(await code(cache.unlock({ ...them.unwrapper, id: recipient.id }, 'card'))).toBe('CACHE_KEY_UNWRAP_FAILED');
      expect(cache.isUnlocked).toBe(false);

      // After logout (card session closed) the card cannot be used any more.
      await mine.logout();
      expect(await code(cache.unlock(unwrapper, 'card'))).toBe('CARD_SESSION_CLOSED');

      await cache.unlock(
        recoveryUnwrapper(Buffer.from(kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string), null, 'mem'),
        'recovery',
      );
      expect(cache.get('event-page', 'p')).toEqual({ secret: 'evidence' });
      // Re-wrap to the other card (both present: this cache is unlocked, the other card is in a reader).
      cache.rewrap(them.recipient, true);
      cache.lock();
      await cache.unlock(them.unwrapper, 'card');
      expect(cache.get('event-page', 'p')).toEqual({ secret: 'evidence' });
      cache.lock();
      await theirs.logout();
    }, 60_000);
  }
});
