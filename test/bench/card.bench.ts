/**
 * Card figures with SoftHSM2 (test cards from `arx card provision-test`):
 *   - login, from PIN submitted to session open (module loaded; C_Login, proof of possession with
 *     the PIV Authentication key and its software check included): median of 20 (goal < 300 ms);
 *   - card enumeration with 4 tokens present (slots, token info, PIN state): median of 20 (goal < 200 ms);
 *   - a signature with the login key (C_SignInit + C_Sign, as for an audit event) and one
 *     C_GetTokenInfo: medians of 200, the cost of a call's trip to the module and back.
 *
 *   npx tsx test/bench/card.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CardService } from '../../electron/main/card/card-service';
import { provisionTestCards, TEST_CARDS } from '../../electron/main/card/test-cards';

const RUNS = 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'arx-card-bench-'));
  try {
    const cards = await provisionTestCards(dir, { specs: TEST_CARDS.slice(0, 4) });
    process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
    const service = await CardService.open({ modulePath: cards.module });
    try {
      const enumeration: number[] = [];
      let slots = await service.listSlots();
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        slots = await service.listSlots();
        enumeration.push(performance.now() - t0);
      }
      // SoftHSM2 always offers one more slot with an uninitialised token (empty label): not a card.
      const present = slots.filter((s) => s.token?.label);
      console.log(
        `card enumeration, ${present.length} tokens: median ${median(enumeration).toFixed(1)} ms (goal < 200 ms)`,
      );
      for (const card of cards.cards.filter((c) => c.expect === null)) {
        const slot = present.find((s) => s.token!.label === card.label)!.slot;
        const logins: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const pin = new TextEncoder().encode(card.pin);
          const t0 = performance.now();
          const session = await service.login(slot, pin);
          logins.push(performance.now() - t0);
          await session.logout();
        }
        console.log(
          `login ${card.keyType.toUpperCase()} (${card.label}): median ${median(logins).toFixed(1)} ms (goal < 300 ms)`,
        );
        const session = await service.login(slot, new TextEncoder().encode(card.pin));
        const signatures: number[] = [];
        const digest = new Uint8Array(32).fill(1);
        for (let i = 0; i < RUNS * 10; i++) {
          const t0 = performance.now();
          await session.signWithLoginKey(digest);
          signatures.push(performance.now() - t0);
        }
        await session.logout();
        console.log(`  signature with the login key: median ${median(signatures).toFixed(3)} ms`);
      }
      const trips: number[] = [];
      for (let i = 0; i < RUNS * 10; i++) {
        const t0 = performance.now();
        await service.listCertificates(present[0]!.slot).catch(() => undefined);
        trips.push(performance.now() - t0);
      }
      console.log(`certificates of one card (3 calls): median ${median(trips).toFixed(3)} ms`);
      console.log(
        `load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
      );
    } finally {
      await service.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
