import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import {
  provisionTestCards,
  registerTestOperators,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { envelopeOf, pae } from '../../../shared/dsse';
import {
  FIDELITY_PAYLOAD_TYPE,
  fidelityPayload,
  openFidelityCertificate,
  type FidelityStatement,
} from '../../../shared/review';
import { consoleCaller, loginCard, startCardConsole } from '../../support/card-console';
import { migratedDatabase } from '../../support/pg';
import { reforgeEvent, seedTenant } from './support';

/**
 * Fidelity certificates end to end: prepared and signed through the
 * contract with a SoftHSM2 card, stored with its audit event, verified by the console and by
 * `openssl` running the exported commands; an edited statement, a revoked signer and a chain
 * changed after the review each fail with their own code.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let services: ConsoleServices;
const { call } = consoleCaller(() => services);
const EVENTS = 400;

beforeAll(async () => {
  db = await migratedDatabase('review');
  cards = await provisionTestCards(mkdtempSync(join(tmpdir(), 'arx-cards-')));
  await registerTestOperators(db.admin, cards, [db.tenants.a]);
  await seedTenant(db.admin, db.gatewayPool, db.tenants.a, EVENTS);
  ({ services } = await startCardConsole(db, cards, 'review'));
  await loginCard({ call }, 'ARX TEST ADAMS EC');
}, 300_000);

afterAll(async () => {
  await services?.stop();
  await db?.drop();
});

interface Draft {
  draftId: string;
  statement: FidelityStatement;
  payloadSha256: string;
  signingInputSha256: string;
}
interface Verification {
  valid: boolean;
  code: string | null;
  checks: { id: string; status: string; code: string | null; message: string }[];
  auditEvent: { seq: number } | null;
}

let certificateId = '';
let envelopeText = '';

describe('fidelity certificates', () => {
  it('prepares a review in main and signs it on the card; it is stored, listed and recorded in the chain', async () => {
    const draft = await call<Draft>('review.prepare', {
      tenantId: db.tenants.a,
      fromSeq: 0,
      toSeq: EVENTS - 1,
      reverifyJobId: null,
    });
    const st = draft.statement;
    expect(st.subject[0]).toMatchObject({
      name: `arx-chain:${db.tenants.a}:0-${EVENTS - 1}`,
      annotations: { fromSeq: 0, toSeq: EVENTS - 1, treeSize: EVENTS },
    });
    expect(st.predicate.verification.verdict).toBe('intact');
    expect(st.predicate.decisions!.total).toBeGreaterThan(20);
    expect(st.predicate.decisions!.mismatched).toBe(0);
    expect(st.predicate.policyVersions).toHaveLength(1);
    expect(st.predicate.reviewer).toMatchObject({ edipi: '1000000001', roles: expect.arrayContaining(['isso']) });
    const adamsSig = cards.cards
      .find((c) => c.label === 'ARX TEST ADAMS EC')!
      .certificates.find((c) => c.usage === 'signature')!;
    expect(st.predicate.reviewer.certificateSha256).toBe(adamsSig.sha256);
    // The shown digest is the SHA-256 of the PAE over the exact statement bytes.
    expect(draft.signingInputSha256).toBe(
      createHash('sha256')
        .update(pae(FIDELITY_PAYLOAD_TYPE, fidelityPayload(st)))
        .digest('hex'),
    );

    await expect(call('review.sign', { draftId: draft.draftId, pin: '999999' })).rejects.toMatchObject({
      code: 'PIN_INCORRECT',
    });
    const signed = await call<{ id: string; verdict: string }>('review.sign', {
      draftId: draft.draftId,
      pin: '123456',
    });
    expect(signed).toMatchObject({ id: st.predicate.reviewId, verdict: 'intact' });
    certificateId = signed.id;
    await expect(call('review.sign', { draftId: draft.draftId, pin: '123456' })).rejects.toMatchObject({
      code: 'REVIEW_DRAFT_UNKNOWN',
    });

    const list = await call<{ certificates: { id: string; fromSeq: number; toSeq: number }[] }>('review.list', {
      tenantId: db.tenants.a,
    });
    expect(list.certificates.map((c) => c.id)).toEqual([certificateId]);
    const ev = await db.admin.query<{ seq: string; doc: { data: Record<string, unknown> } }>(
      `SELECT seq, doc FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.review.signed'`,
      [db.tenants.a],
    );
    expect(ev.rows).toHaveLength(1);
    expect(ev.rows[0]!.doc.data).toEqual({
      reviewId: certificateId,
      fromSeq: 0,
      toSeq: EVENTS - 1,
      signer: '1000000001',
      verdict: 'intact',
    });
    const got = await call<{ envelope: string }>('review.get', { tenantId: db.tenants.a, id: certificateId });
    envelopeText = got.envelope;
  });

  it('the console verifies the stored certificate: signature, signer path and CRLs at signing time, chain today, audit event', async () => {
    const v = await call<Verification>('review.verify', {
      source: { kind: 'stored', tenantId: db.tenants.a, id: certificateId },
    });
    expect(v.checks.map((c) => [c.id, c.status])).toEqual([
      ['envelope', 'pass'],
      ['signature', 'pass'],
      ['pq-signature', 'skipped'],
      ['signer-path', 'pass'],
      ['signer-revocation', 'pass'],
      ['chain', 'pass'],
      ['audit-event', 'pass'],
    ]);
    const ev = await db.admin.query<{ seq: string }>(
      `SELECT seq FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.review.signed'`,
      [db.tenants.a],
    );
    expect(v).toMatchObject({ valid: true, code: null, auditEvent: { seq: Number(ev.rows[0]!.seq) } });
  });

  it('openssl verifies the exported statement, signature and signer chain with the exported commands', async () => {
    const exp = await call<{ directory: string; files: string[]; commands: string[] }>('review.export', {
      source: { kind: 'stored', tenantId: db.tenants.a, id: certificateId },
    });
    expect(exp.files).toEqual(
      expect.arrayContaining([
        'statement.json',
        'pae.bin',
        'signature.der',
        'signer.pem',
        'intermediates.pem',
        'root.pem',
        'crls.pem',
        'VERIFY.md',
      ]),
    );
    const out = execFileSync('bash', ['-euo', 'pipefail', '-c', exp.commands.join('\n')], {
      cwd: exp.directory,
      encoding: 'utf8',
    });
    expect(out).toContain('PAE OK');
    expect(out).toContain('Verified OK');
    expect(out).toContain('signer.pem: OK');
    const adamsSig = cards.cards
      .find((c) => c.label === 'ARX TEST ADAMS EC')!
      .certificates.find((c) => c.usage === 'signature')!;
    expect(out).toContain(adamsSig.sha256);
    // An edited statement fails in openssl too.
    const edited = readFileSync(join(exp.directory, 'pae.bin'), 'latin1').replace(
      '"verdict":"intact"',
      '"verdict":"broken"',
    );
    writeFileSync(join(exp.directory, 'pae.bin'), edited, 'latin1');
    let failed = '';
    try {
      execFileSync('bash', ['-c', exp.commands[2]!], { cwd: exp.directory, stdio: 'pipe' });
    } catch (err) {
      const e = err as { status: number; stdout: Buffer; stderr: Buffer };
      failed = `${e.status} ${e.stdout.toString()} ${e.stderr.toString()}`;
    }
    expect(failed).toMatch(/^1 .*Verification failure/s);
  });

  it('an edited statement fails with REVIEW_SIGNATURE_INVALID', async () => {
    const env = JSON.parse(envelopeText) as { payload: string };
    const payload = Buffer.from(env.payload, 'base64').toString('utf8');
    const st = JSON.parse(payload) as FidelityStatement;
    st.predicate.decisions!.matched -= 1;
    st.predicate.decisions!.mismatched += 1;
    const forged = JSON.stringify({ ...env, payload: Buffer.from(JSON.stringify(st)).toString('base64') });
    const v = await call<Verification>('review.verify', { source: { kind: 'imported', envelope: forged } });
    expect(v).toMatchObject({ valid: false, code: 'REVIEW_SIGNATURE_INVALID' });
    expect(v.checks.find((c) => c.id === 'signature')!.status).toBe('fail');
    // Unparseable or foreign input has its own codes.
    expect(
      await call<Verification>('review.verify', { source: { kind: 'imported', envelope: '{"payloadType":"x"}' } }),
    ).toMatchObject({ valid: false, code: 'REVIEW_ENVELOPE_INVALID' });
  });

  it('a certificate signed by a revoked card fails with REVIEW_SIGNER_REVOKED (the signature itself verifies)', async () => {
    const revoked = cards.cards.find((c) => c.label === 'ARX TEST REVOKED')!;
    const cert = revoked.certificates.find((c) => c.usage === 'signature')!;
    const st = openFidelityCertificate(envelopeText);
    if (!st.ok) throw new Error(st.message);
    const statement = structuredClone(st.statement);
    statement.predicate.reviewer = {
      ...statement.predicate.reviewer,
      certificateSha256: cert.sha256,
      certificate: readFileSync(cert.file).toString('base64'),
    };
    const payload = fidelityPayload(statement);
    const dir = mkdtempSync(join(tmpdir(), 'arx-revoked-'));
    writeFileSync(join(dir, 'digest.bin'), createHash('sha256').update(pae(FIDELITY_PAYLOAD_TYPE, payload)).digest());
    // Signed on the revoked card itself, outside the console (which refuses to sign with it).
    execFileSync(
      'pkcs11-tool',
      [
        '--module',
        cards.module,
        '--token-label',
        revoked.label,
        '--login',
        '--pin',
        revoked.pin,
        '--sign',
        '--mechanism',
        'ECDSA',
        '--id',
        cert.id,
        '--signature-format',
        'openssl',
        '-i',
        join(dir, 'digest.bin'),
        '-o',
        join(dir, 'sig.der'),
      ],
      { env: { ...process.env, SOFTHSM2_CONF: cards.softhsm2Conf }, stdio: 'pipe' },
    );
    const envelope = envelopeOf(FIDELITY_PAYLOAD_TYPE, payload, [
      { keyid: cert.sha256, sig: new Uint8Array(readFileSync(join(dir, 'sig.der'))) },
    ]);
    const v = await call<Verification>('review.verify', {
      source: { kind: 'imported', envelope: JSON.stringify(envelope) },
    });
    expect(v.checks.find((c) => c.id === 'signature')!.status).toBe('pass');
    expect(v).toMatchObject({ valid: false, code: 'REVIEW_SIGNER_REVOKED' });
  });

  it('a chain changed after the review fails with REVIEW_CHAIN_CHANGED', async () => {
    await reforgeEvent(db.admin, db.tenants.a, 5, (doc) => JSON.stringify({ ...doc, subject: 'someone-else' }));
    const v = await call<Verification>('review.verify', {
      source: { kind: 'stored', tenantId: db.tenants.a, id: certificateId },
    });
    expect(v).toMatchObject({ valid: false, code: 'REVIEW_CHAIN_CHANGED' });
    expect(v.checks.find((c) => c.id === 'signature')!.status).toBe('pass');
  });
});
