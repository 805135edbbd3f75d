// Policy sign and approve through the real card path and the real lifecycle: the console on
// opensc-pkcs11.so with ADAMS's EC card in reader 00 00 and BAKER's RSA card in reader 00 01, a
// migrated control plane with both operators enrolled (certificates, roles, database logins
// wrapped to the cards' 9D keys). Draft, submit (author signs on 9C with the PIN of that
// signature), self-approval refused, approve on the other card, publish, the gateway loads it; the
// stored signatures checked with the certificates OpenSC reads off the cards, by stock openssl.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVerifiedPolicy } from '../../../electron/main/policy/gateway-policy';
import { DEFAULT_POLICY_TEXT } from '../../../shared/policy';
import { consoleCaller, loginCard } from '../../support/card-console';
import type { MigratedDatabase } from '../../support/pg';
import { apdusDuring, beforeEachSignature, onSigningKey } from '../../support/virtual-piv/apdu-trace';
import type { OpenscFixture } from '../../support/virtual-piv/fixture';
import {
  signingCertificateOnCard,
  startOpenscConsole,
  type OpenscConsole,
} from '../../support/virtual-piv/opensc-console';

// Never execFileSync: the virtual cards answer on this thread's event loop.
const run = promisify(execFile);

const LABELS = ['ARX TEST ADAMS EC', 'ARX TEST BAKER RSA'];
const PIN = '123456';
let opensc: OpenscConsole;
let fx: OpenscFixture;
let db: MigratedDatabase;
let tenantId: string;
const { call: ok, failure: fails } = consoleCaller(() => opensc.services);
/** The token labels OpenSC gives the two cards (the card holder's name). */
let ADAMS: string;
let BAKER: string;
const login = (label: string) => loginCard({ call: ok }, label, PIN);

beforeAll(async () => {
  opensc = await startOpenscConsole(LABELS, 'opensc-lifecycle');
  ({ fx, db } = opensc);
  tenantId = db.tenants.a;
  [ADAMS, BAKER] = opensc.provisioned.cards.map((c) => c.label) as [string, string];
}, 240_000);

afterAll(async () => {
  await opensc?.stop();
});

interface Summary {
  sha256: string;
  policyId: string;
  state: string;
  active: boolean;
  signaturesVerified: boolean;
  signatures: { role: string; verified: boolean }[];
  author: { edipi: string; operatorId: string };
  approver: { edipi: string; operatorId: string } | null;
}

async function grantApprover(operatorId: string, grant: boolean): Promise<void> {
  await db.admin.query(`SELECT set_config('arx.tenant_id', $1, false)`, [tenantId]);
  try {
    await db.admin.query(
      grant
        ? `INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'approver')`
        : `DELETE FROM arx.role_grants WHERE tenant_id = $1 AND operator_id = $2 AND role = 'approver'`,
      [tenantId, operatorId],
    );
  } finally {
    await db.admin.query(`SELECT set_config('arx.tenant_id', '', false)`);
  }
}

let version: Summary;

describe('policy sign and approve through OpenSC, two cards in two readers', () => {
  it('the author submits a draft, signing on 9C with the PIN of that signature', async () => {
    await login(ADAMS);
    const draft = await ok<{ digest: { sha256: string } }>('policy.saveDraft', {
      tenantId,
      policyName: 'gateway',
      baseSha256: null,
      text: DEFAULT_POLICY_TEXT,
      schema: null,
      tests: [],
    });
    const { value, trace } = await apdusDuring(fx.stack.links[0]!, () =>
      ok<Summary>('policy.submit', { tenantId, policyName: 'gateway', sha256: draft.digest.sha256, pin: PIN }),
    );
    expect(value).toMatchObject({ sha256: draft.digest.sha256, state: 'submitted', author: { edipi: '1000000001' } });
    expect(value.signatures).toEqual([expect.objectContaining({ role: 'author', verified: true })]);
    expect(beforeEachSignature(trace)).toEqual([0x20]);
    expect(fx.stack.links[0]!.card.pinTriesLeft).toBe(3);
    version = value;
  }, 90_000);

  it("refuses approval with the author's card: without the role, and with it (self-approval); the card signs nothing", async () => {
    expect((await fails('policy.approve', { tenantId, sha256: version.sha256, pin: PIN })).code).toBe('ROLE_REQUIRED');
    await grantApprover(version.author.operatorId, true);
    try {
      await login(ADAMS); // roles are read at login
      const { value, trace } = await apdusDuring(fx.stack.links[0]!, () =>
        fails('policy.approve', { tenantId, sha256: version.sha256, pin: PIN }),
      );
      expect(value.code).toBe('POLICY_SELF_APPROVAL');
      expect(trace.filter(onSigningKey)).toEqual([]);
    } finally {
      await grantApprover(version.author.operatorId, false);
    }
    expect((await ok<Summary>('policy.get', { tenantId, sha256: version.sha256 })).state).toBe('submitted');
  }, 90_000);

  it('a different operator approves on the RSA card in the other reader, publishes, and the gateway loads it', async () => {
    await login(BAKER);
    const { value: approved, trace } = await apdusDuring(fx.stack.links[1]!, () =>
      ok<Summary>('policy.approve', { tenantId, sha256: version.sha256, pin: PIN }),
    );
    expect(approved).toMatchObject({
      state: 'approved',
      signaturesVerified: true,
      author: { edipi: '1000000001' },
      approver: { edipi: '1000000002' },
    });
    expect(approved.approver!.operatorId).not.toBe(approved.author.operatorId);
    expect(beforeEachSignature(trace)).toEqual([0x20]);
    const publish = await apdusDuring(fx.stack.links[1]!, () =>
      ok<Summary>('policy.publish', { tenantId, sha256: version.sha256, pin: PIN }),
    );
    expect(publish.value).toMatchObject({ state: 'published', active: true });
    expect(beforeEachSignature(publish.trace)).toEqual([0x20]);
    const loaded = await loadVerifiedPolicy(db.gatewayPool, tenantId);
    expect(loaded.refused).toEqual([]);
    expect(loaded.version.sha256).toBe(version.sha256);
    expect(loaded.engine.version.sha256).toBe(version.sha256);
  }, 90_000);

  it('the stored signatures verify with the certificates read off the cards, by stock openssl', async () => {
    const r = await db.admin.query<{ role: string; certificate: string; envelope: Envelope }>(
      `SELECT role, encode(certificate_sha256, 'hex') AS certificate, envelope FROM arx.policy_signatures
        WHERE tenant_id = $1 AND version_sha256 = $2 ORDER BY signed_at`,
      [tenantId, Buffer.from(version.sha256, 'hex')],
    );
    expect(r.rows.map((x) => x.role)).toEqual(['author', 'approver']);
    const publication = await db.admin.query<{ envelope: Envelope }>(
      'SELECT envelope FROM arx.policy_publications WHERE tenant_id = $1 AND version_sha256 = $2',
      [tenantId, Buffer.from(version.sha256, 'hex')],
    );
    const work = mkdtempSync(join(tmpdir(), 'arx-opensc-lifecycle-sig-'));
    try {
      const signed = [
        { name: 'author', reader: 0, envelope: r.rows[0]!.envelope, stored: r.rows[0]!.certificate },
        { name: 'approver', reader: 1, envelope: r.rows[1]!.envelope, stored: r.rows[1]!.certificate },
        { name: 'publisher', reader: 1, envelope: publication.rows[0]!.envelope, stored: null },
      ];
      for (const s of signed) {
        const { pem, sha256 } = await signingCertificateOnCard(s.reader);
        expect(s.envelope.signatures.map((x) => x.keyid)).toEqual([sha256]);
        if (s.stored) expect(s.stored).toBe(sha256);
        expect(await opensslVerifies(work, s.name, pem, s.envelope)).toBe('Verified OK');
      }
      // The author's statement is not the approver's: the role is inside what each card signed.
      const statement = (e: Envelope) => JSON.parse(Buffer.from(e.payload, 'base64').toString('utf8'));
      expect(statement(signed[0]!.envelope)).toMatchObject({
        role: 'author',
        tenantId,
        version: { sha256: version.sha256 },
      });
      expect(statement(signed[1]!.envelope)).toMatchObject({
        role: 'approver',
        tenantId,
        version: { sha256: version.sha256 },
      });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 90_000);
});

interface Envelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** `openssl dgst -verify` of the envelope's one signature over its DSSE PAE, written out by hand here. */
async function opensslVerifies(work: string, name: string, pem: string, envelope: Envelope): Promise<string> {
  const payload = Buffer.from(envelope.payload, 'base64');
  const type = Buffer.from(envelope.payloadType, 'utf8');
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} ${envelope.payloadType} ${payload.length} `, 'utf8'),
    payload,
  ]);
  const file = (ext: string) => join(work, `${name}.${ext}`);
  writeFileSync(file('pae'), pae);
  writeFileSync(file('sig'), Buffer.from(envelope.signatures[0]!.sig, 'base64'));
  writeFileSync(file('pem'), pem);
  await run('openssl', ['x509', '-in', file('pem'), '-noout', '-pubkey', '-out', file('pub')]);
  const rsa = new X509Certificate(pem).publicKey.asymmetricKeyType === 'rsa';
  const pss = rsa ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'] : [];
  const { stdout } = await run('openssl', [
    'dgst',
    '-sha256',
    '-verify',
    file('pub'),
    ...pss,
    '-signature',
    file('sig'),
    file('pae'),
  ]);
  return stdout.trim();
}
