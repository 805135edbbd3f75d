// A fidelity certificate through the real card path: the ISSO (ADAMS, EC card in reader 00 00)
// reviews a tenant's chain in the console on opensc-pkcs11.so and signs it on 9C with the PIN of
// that signature; the console verifies it, and stock openssl runs the exported commands against
// the certificate OpenSC reads off the card.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleCaller, loginCard } from '../../support/card-console';
import { apdusDuring, beforeEachSignature } from '../../support/virtual-piv/apdu-trace';
import {
  signingCertificateOnCard,
  startOpenscConsole,
  type OpenscConsole,
} from '../../support/virtual-piv/opensc-console';
import { seedTenant } from '../review/support';

// Never execFileSync: the virtual cards answer on this thread's event loop.
const run = promisify(execFile);

const EVENTS = 120;
let opensc: OpenscConsole;
let tenantId: string;
const { call } = consoleCaller(() => opensc.services);
let certificateId = '';

beforeAll(async () => {
  opensc = await startOpenscConsole(['ARX TEST ADAMS EC', 'ARX TEST BAKER RSA'], 'opensc-review');
  tenantId = opensc.db.tenants.a;
  await seedTenant(opensc.db.admin, opensc.db.gatewayPool, tenantId, EVENTS);
  await loginCard({ call }, opensc.provisioned.cards[0]!.label);
}, 240_000);

afterAll(async () => {
  await opensc?.stop();
});

describe('a fidelity certificate signed through OpenSC', () => {
  it('is signed on 9C with the PIN of that signature; a wrong PIN signs nothing', async () => {
    const draft = await call<{ draftId: string; statement: { predicate: { reviewer: Record<string, unknown> } } }>(
      'review.prepare',
      { tenantId, fromSeq: 0, toSeq: EVENTS - 1, reverifyJobId: null },
    );
    const onCard = await signingCertificateOnCard(0);
    expect(draft.statement.predicate.reviewer).toMatchObject({ edipi: '1000000001', certificateSha256: onCard.sha256 });
    const link = opensc.fx.stack.links[0]!;
    await expect(call('review.sign', { draftId: draft.draftId, pin: '999999' })).rejects.toMatchObject({
      code: 'PIN_INCORRECT',
    });
    expect(link.card.pinTriesLeft).toBe(2);
    const { value, trace } = await apdusDuring(link, () =>
      call<{ id: string; verdict: string }>('review.sign', { draftId: draft.draftId, pin: '123456' }),
    );
    expect(value.verdict).toBe('intact');
    expect(beforeEachSignature(trace)).toEqual([0x20]);
    expect(link.card.pinTriesLeft).toBe(3);
    certificateId = value.id;
  }, 90_000);

  it('the console verifies it, and openssl runs the exported commands with the certificate on the card', async () => {
    const source = { kind: 'stored', tenantId, id: certificateId };
    const v = await call<{ valid: boolean; checks: { id: string; status: string }[] }>('review.verify', { source });
    expect(v.valid).toBe(true);
    // Signed by a card whose operator has no companion key: classical only, the PQ check skipped.
    expect(v.checks.filter((c) => c.status !== 'pass').map((c) => [c.id, c.status])).toEqual([
      ['pq-signature', 'skipped'],
    ]);
    const exp = await call<{ directory: string; commands: string[] }>('review.export', { source });
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', exp.commands.join('\n')], { cwd: exp.directory });
    expect(stdout).toContain('PAE OK');
    expect(stdout).toContain('Verified OK');
    expect(stdout).toContain('signer.pem: OK');
    expect(stdout).toContain((await signingCertificateOnCard(0)).sha256);
  }, 90_000);
});
