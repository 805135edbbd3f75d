// What the console says when the real card stack is missing: OpenSC's module loads but pcscd is not
// running (no reader at all), and a module path that does not load.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardService } from '../../../electron/main/card/card-service';
import { createCardHandlers } from '../../../electron/main/card/card-handlers';
import { OperatorAuth, type CardBackend } from '../../../electron/main/card/operator-auth';
import { noReaderDetail, pcscSocketPath } from '../../../electron/main/card/reader-hints';
import { ArxFailure } from '../../../shared/contract';
import { OPENSC_MODULE } from '../../support/virtual-piv/fixture';
import { acquirePcscdLock } from '../../support/virtual-piv/pcsc-stack';

let release: () => void;

/** card.readers as the login screen calls it, over an OperatorAuth with this module. */
async function readers(modulePath: string) {
  let service: CardService | null = null;
  const backend = async (): Promise<CardBackend> => (service ??= await CardService.open({ modulePath }));
  const auth = new OperatorAuth({
    backend,
    trustStore: () => {
      throw new Error('not needed to list readers');
    },
    policy: {},
    findOperator: async () => null,
    audit: async () => {},
    idleLockMs: 60_000,
  });
  try {
    return await createCardHandlers(() => auth)['card.readers']({}, {} as never);
  } finally {
    await (service as CardService | null)?.close();
  }
}

// Holding the lock means no pcscd of the card-opensc tests runs meanwhile.
beforeAll(async () => {
  release = await acquirePcscdLock(180_000);
}, 200_000);

afterAll(() => release?.());

describe('without pcscd', () => {
  it('lists no reader through OpenSC, and says that pcscd is not running', async () => {
    expect(existsSync(pcscSocketPath())).toBe(false);
    const service = await CardService.open({ modulePath: OPENSC_MODULE });
    try {
      expect(await service.listSlots()).toEqual([]);
    } finally {
      await service.close();
    }
    expect(noReaderDetail()).toContain(`pcscd is not running (no ${pcscSocketPath()})`);
  });

  it('card.readers answers PCSCD_NOT_RUNNING, and CARD_MODULE_UNAVAILABLE naming the path and the package', async () => {
    expect(await readers(OPENSC_MODULE)).toEqual({
      module: 'ready',
      code: 'PCSCD_NOT_RUNNING',
      detail: expect.stringContaining('install the Debian package pcscd'),
      readers: [],
    });
    const path = '/usr/lib/x86_64-linux-gnu/no-such-dir/opensc-pkcs11.so';
    const missing = await readers(path);
    expect(missing).toMatchObject({ module: 'unavailable', code: 'CARD_MODULE_UNAVAILABLE', readers: [] });
    expect(missing.detail).toContain(path);
    expect(missing.detail).toContain('apt-get install opensc');
  });

  it('names the path and the package when the module cannot be loaded', async () => {
    const path = '/usr/lib/x86_64-linux-gnu/pkcs11/missing/opensc-pkcs11.so';
    const err = await CardService.open({ modulePath: path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArxFailure);
    expect((err as ArxFailure).code).toBe('CARD_MODULE_UNAVAILABLE');
    expect((err as ArxFailure).message).toContain(path);
    expect((err as ArxFailure).message).toContain('Debian package opensc');
  });
});
