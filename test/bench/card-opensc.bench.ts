/**
 * Login through the real card path against SoftHSM2, side by side, for the same demo operators
 * (ADAMS EC P-256, BAKER RSA-2048): from PIN submitted to session open (C_Login, proof of possession
 * with the PIV Authentication key and its software check). OpenSC + pcscd + the virtual PIV card
 * (test/support/virtual-piv) also reports the time inside PKCS#11 calls (OpenSC, pcscd, the vpcd
 * transport and the card), the card's own APDU time, the console's share (everything outside the
 * PKCS#11 calls; goal < 100 ms) and the APDUs per login (fewer is better).
 *
 *   npx tsx test/bench/card-opensc.bench.ts        ARX_BENCH_RUNS (default 20)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CardService } from '../../electron/main/card/card-service';
import { provisionTestCards, TEST_CARDS } from '../../electron/main/card/test-cards';
import { OPENSC_MODULE, startOpenscFixture } from '../support/virtual-piv/fixture';
import type { VpcdLink } from '../support/virtual-piv/vpcd-link';

const RUNS = Number(process.env.ARX_BENCH_RUNS ?? 20);
const LABELS = ['ARX TEST ADAMS EC', 'ARX TEST BAKER RSA'];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pin = (s: string) => new TextEncoder().encode(s);

async function softhsm(): Promise<Map<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'arx-card-bench-'));
  const out = new Map<string, number>();
  try {
    const cards = await provisionTestCards(dir, { specs: TEST_CARDS.filter((c) => LABELS.includes(c.label)) });
    process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
    const service = await CardService.open({ modulePath: cards.module });
    try {
      const slots = await service.listSlots();
      for (const card of cards.cards) {
        const slot = slots.find((s) => s.token?.label === card.label)!.slot;
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const t0 = performance.now();
          const session = await service.login(slot, pin(card.pin));
          times.push(performance.now() - t0);
          await session.logout();
        }
        out.set(card.label, median(times));
      }
    } finally {
      await service.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

interface RealFigures {
  total: number;
  pkcs11: number;
  card: number;
  apdus: number;
  /** APDUs from insertion to the first login's session (OpenSC reads the card's objects then). */
  firstApdus: number;
}

/** Pulls the card and puts it back, then counts the APDUs until its first login is done. */
async function firstLogin(service: CardService, link: VpcdLink, reader: string, pinText: string): Promise<number> {
  await link.remove();
  await link.insert();
  const n0 = link.card.apduCount;
  for (const deadline = Date.now() + 10_000; ;) {
    const slot = (await service.listSlots()).find((s) => s.description === reader && s.token);
    if (slot) {
      const session = await service.login(slot.slot, pin(pinText));
      await session.logout();
      return link.card.apduCount - n0;
    }
    if (Date.now() > deadline) throw new Error(`no card in ${reader}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Adds up the time spent waiting for the PKCS#11 worker (a bench-only look inside the service). */
function timePkcs11(service: CardService): { ms: number } {
  const acc = { ms: 0 };
  const client = (service as unknown as { client: { call: (req: unknown) => Promise<unknown> } }).client;
  const call = client.call.bind(client);
  client.call = async (req) => {
    const t0 = performance.now();
    try {
      return await call(req);
    } finally {
      acc.ms += performance.now() - t0;
    }
  };
  return acc;
}

async function opensc(): Promise<Map<string, RealFigures>> {
  const fx = await startOpenscFixture(LABELS.map((label) => ({ label })));
  const out = new Map<string, RealFigures>();
  const service = await CardService.open({ modulePath: OPENSC_MODULE });
  const inPkcs11 = timePkcs11(service);
  try {
    for (const [i, label] of LABELS.entries()) {
      const link = fx.stack.links[i]!;
      const firstApdus = await firstLogin(service, link, fx.stack.readers[i]!, fx.cards[i]!.pin);
      const slot = (await service.listSlots()).find((s) => s.description === fx.stack.readers[i] && s.token)!.slot;
      const totals: number[] = [];
      const pkcs11Times: number[] = [];
      const cardTimes: number[] = [];
      const apdus: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const [n0, c0, p0] = [link.card.apduCount, link.cardMs, inPkcs11.ms];
        const t0 = performance.now();
        const session = await service.login(slot, pin(fx.cards[i]!.pin));
        totals.push(performance.now() - t0);
        cardTimes.push(link.cardMs - c0);
        pkcs11Times.push(inPkcs11.ms - p0);
        apdus.push(link.card.apduCount - n0);
        await session.logout();
      }
      out.set(label, {
        total: median(totals),
        pkcs11: median(pkcs11Times),
        card: median(cardTimes),
        apdus: median(apdus),
        firstApdus,
      });
    }
  } finally {
    await service.close();
    await fx.stack.stop();
  }
  return out;
}

const soft = await softhsm();
const real = await opensc();
console.log(
  `login, median of ${RUNS}; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const label of LABELS) {
  const r = real.get(label)!;
  console.log(
    `${label}: SoftHSM2 ${soft.get(label)!.toFixed(1)} ms | OpenSC+pcscd+virtual card ${r.total.toFixed(1)} ms ` +
      `(in PKCS#11 ${r.pkcs11.toFixed(1)} ms, of it the card ${r.card.toFixed(1)} ms; ` +
      `console's share ${(r.total - r.pkcs11).toFixed(1)} ms, goal < 100 ms; ` +
      `${r.apdus} APDUs per login; ${r.firstApdus} from insertion to the first login)`,
  );
}
