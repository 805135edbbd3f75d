// The console's own services over OpenSC, pcscd and the virtual PIV cards: card.readers (reader
// names, the CHUID identity), OperatorAuth login with proof of possession and path validation
// (EC and RSA), the PIN retry states as the login screen sees them, the 9C signature with its own
// PIN, the cache key on 9D, removal and re-insertion. Raw card-service checks: card-service.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCardHandlers } from '../../../electron/main/card/card-handlers';
import { CardService } from '../../../electron/main/card/card-service';
import { OperatorAuth, type SessionAuditEvent } from '../../../electron/main/card/operator-auth';
import type { ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { loadTrustStore } from '../../../electron/main/pki/trust-store';
import { OPENSC_MODULE, startOpenscFixture, type OpenscFixture } from '../../support/virtual-piv/fixture';
import { writeProvisioned } from '../../support/virtual-piv/provisioned';

const LABELS = ['ARX TEST ADAMS EC', 'ARX TEST BAKER RSA'];
const [READER_A, READER_B] = ['ARX Virtual PIV 00 00', 'ARX Virtual PIV 00 01'];
let fx: OpenscFixture;
let service: CardService;
let provisioned: ProvisionedTestCards;
let dir: string;
const audit: SessionAuditEvent[] = [];

beforeAll(async () => {
  fx = await startOpenscFixture(LABELS.map((label) => ({ label })));
  dir = mkdtempSync(join(tmpdir(), 'arx-opensc-auth-'));
  provisioned = await writeProvisioned(dir, fx, LABELS);
  service = await CardService.open({ modulePath: OPENSC_MODULE, pollIntervalMs: 250 });
}, 240_000);

afterAll(async () => {
  await service?.close();
  await fx?.stack.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** An OperatorAuth as the composition root builds it, over the shared card service; the operators of the provisioned cards are enrolled. */
function operatorAuth(): OperatorAuth {
  const trust = loadTrustStore({
    anchors: provisioned.trustAnchors,
    intermediates: provisioned.intermediates,
    crls: provisioned.crls,
  });
  return new OperatorAuth({
    backend: async () => service,
    trustStore: () => trust,
    policy: { policyArcs: [provisioned.policyArc] },
    findOperator: async (edipi, sha256) => {
      const card = provisioned.cards.find((c) => c.edipi === edipi);
      if (!card?.certificates.some((c) => c.sha256 === sha256)) return null;
      return {
        operatorId: `op-${edipi}`,
        displayName: card.displayName,
        status: 'active',
        roles: card.roles.map((role) => ({ tenantId: 't1', tenant: 'alpha', role })),
      };
    },
    audit: async (event) => void audit.push(event),
    idleLockMs: 600_000,
  });
}

const guidOf = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

describe('card.readers over OpenSC', () => {
  it("names each reader and shows the card's CHUID identity, read once per card", async () => {
    const auth = operatorAuth();
    const readers = createCardHandlers(() => auth)['card.readers'];
    const apdus = () => fx.stack.links.reduce((n, l) => n + l.card.apduCount, 0);
    const first = await readers({}, {} as never);
    expect(first.code).toBeNull();
    for (const [i, reader] of [READER_A, READER_B].entries()) {
      const card = fx.cards[i]!;
      expect(first.readers.find((r) => r.description === reader)).toMatchObject({
        tokenPresent: true,
        tokenLabel: card.displayName,
        serial: card.guid.slice(-16),
        identity: {
          fascn: { agency: '9999', system: '0001', credential: card.person.edipi.slice(-6), pi: card.person.edipi },
          guid: guidOf(card.guid),
        },
      });
    }
    // The login screen asks again and again: after the first time, a listing costs the card no more
    // than listing the slots does (OpenSC's lock check and PIN status), the CHUID is not read again.
    let before = apdus();
    await service.listSlots();
    const slotsOnly = apdus() - before;
    before = apdus();
    const again = await readers({}, {} as never);
    expect(apdus() - before).toBe(slotsOnly);
    expect(again.readers.map((r) => r.identity)).toEqual(first.readers.map((r) => r.identity));
  });
});
