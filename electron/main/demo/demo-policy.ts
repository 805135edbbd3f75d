import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { envelopeOf, pae } from '../../../shared/dsse';
import {
  POLICY_PUBLICATION_PAYLOAD_TYPE,
  POLICY_SIGNATURE_PAYLOAD_TYPE,
  publicationBytes,
  statementBytes,
  type PolicyPublicationStatement,
  type PolicyVersion,
  type SignerRole,
} from '../../../shared/policy';
import {
  provisionTestCards,
  registerTestOperators,
  SOFTHSM2_MODULE,
  TEST_CARDS,
  type ProvisionedCard,
  type TestCardSpec,
  type ProvisionedTestCards,
} from '../card/test-cards';
import type { ArxConfig } from '../config/config';
import type { EventSigner } from '../controlplane/chain-writer';

const run = promisify(execFile);

/**
 * The demo's policy is signed like any other: by the demo cards (SoftHSM2 test tokens) of ADAMS
 * (policy-author) and BAKER (approver), at seeding time, with their test PIN. The demo gateway
 * then loads it through the same signature check as a real one. Signing goes through pkcs11-tool
 * in a child process (as provisioning does): the console process loads the PKCS#11 module in its
 * own card worker, and a second C_Initialize of the same module in this process would collide.
 */

export const DEMO_AUTHOR_LABEL = 'ARX TEST ADAMS EC';
export const DEMO_APPROVER_LABEL = 'ARX TEST BAKER RSA';
/** ADAMS and BAKER are also the demo's control-plane administrators: a pair, for two-person grants. */
export const DEMO_ADMINISTRATOR_LABELS = [DEMO_AUTHOR_LABEL, DEMO_APPROVER_LABEL] as const;

/**
 * The test cards, and one more good card for the demo: CARTER holds two roles (policy-author and
 * approver) in each demo tenant, so a newcomer can try the self-approval rule, and be granted a
 * third role by the administrator pair.
 */
export const DEMO_CARD_SPECS: readonly TestCardSpec[] = [
  ...TEST_CARDS,
  {
    label: 'ARX TEST CARTER EC',
    keyType: 'ec',
    case: 'good',
    person: { last: 'CARTER', first: 'CLARA', middle: 'C', edipi: '1000000008' },
    roles: ['policy-author', 'approver'],
    expect: null,
  },
  // A newcomer's card waiting for enrolment: an administrator enrols it in the Administration screen.
  {
    label: 'ARX TEST DIAZ EC',
    keyType: 'ec',
    case: 'good',
    person: { last: 'DIAZ', first: 'DANA', middle: 'D', edipi: '1000000009' },
    roles: [],
    expect: null,
    enrol: false,
  },
  // CARTER's replacement card (same person, new keys): an administrator re-enrols CARTER with it.
  {
    label: 'ARX NEW CARTER EC',
    keyType: 'ec',
    case: 'good',
    person: { last: 'CARTER', first: 'CLARA', middle: 'C', edipi: '1000000008' },
    roles: [],
    expect: null,
    enrol: false,
  },
];

/** The demo test cards (provisioned once under the data directory, as the demo card uses them), enrolled in `tenantIds`; null without SoftHSM2 or with real trust anchors configured. */
export async function demoSigningCards(
  config: ArxConfig,
  admin: pg.Pool,
  tenantIds: readonly string[],
  log: (line: string) => void,
): Promise<ProvisionedTestCards | null> {
  if (config.card.trustAnchors || !existsSync(SOFTHSM2_MODULE)) return null;
  const dir = join(config.dataDir, 'demo-card');
  const saved = join(dir, 'test-cards.json');
  const cards = existsSync(saved)
    ? (JSON.parse(readFileSync(saved, 'utf8')) as ProvisionedTestCards)
    : await provisionTestCards(dir, { specs: DEMO_CARD_SPECS, onProgress: log });
  await registerTestOperators(admin, cards, tenantIds);
  return cards;
}

/** Signs the statement "`role` of `version`" on a demo card: DSSE envelope and the signing certificate's SHA-256. */
export async function signOnDemoCard(
  cards: ProvisionedTestCards,
  label: string,
  statement: { role: SignerRole; tenantId: string; policyId: string; version: PolicyVersion },
): Promise<{ envelope: ReturnType<typeof envelopeOf>; certificateSha256: string; card: ProvisionedCard }> {
  const payload = statementBytes({ _type: 'arx.policy-signature/v1', ...statement });
  return signPayloadOnDemoCard(cards, label, POLICY_SIGNATURE_PAYLOAD_TYPE, payload);
}

/** Signs a publication statement on a demo card (the publisher's signature). */
export function signPublicationOnDemoCard(cards: ProvisionedTestCards, label: string, st: PolicyPublicationStatement) {
  return signPayloadOnDemoCard(cards, label, POLICY_PUBLICATION_PAYLOAD_TYPE, publicationBytes(st));
}

async function signPayloadOnDemoCard(
  cards: ProvisionedTestCards,
  label: string,
  payloadType: string,
  payload: Uint8Array,
): Promise<{ envelope: ReturnType<typeof envelopeOf>; certificateSha256: string; card: ProvisionedCard }> {
  const card = cards.cards.find((c) => c.label === label);
  const cert = card?.certificates.find((c) => c.usage === 'signature');
  if (!card || !cert) throw new Error(`demo card ${label} has no signing certificate`);
  const input = pae(payloadType, payload);
  const sig = await signWithDemoKey(cards, card, cert.id, input);
  return {
    envelope: envelopeOf(payloadType, payload, [{ keyid: cert.sha256, sig }]),
    certificateSha256: cert.sha256,
    card,
  };
}

/**
 * Signs `input` with key `id` of a demo card through pkcs11-tool: EC as ECDSA over SHA-256 (SoftHSM2
 * has no CKM_ECDSA_SHA256: the digest is made here; DER out), RSA as PKCS#1 v1.5 with SHA-256.
 */
async function signWithDemoKey(
  cards: ProvisionedTestCards,
  card: ProvisionedCard,
  id: string,
  input: Uint8Array,
): Promise<Uint8Array> {
  const work = mkdtempSync(join(tmpdir(), 'arx-demo-sign-'));
  try {
    const inFile = join(work, 'in.bin');
    const outFile = join(work, 'sig.bin');
    writeFileSync(inFile, card.keyType === 'ec' ? createHash('sha256').update(input).digest() : input);
    const mech = card.keyType === 'ec' ? ['-m', 'ECDSA', '--signature-format', 'openssl'] : ['-m', 'SHA256-RSA-PKCS'];
    await run(
      'pkcs11-tool',
      [
        '--module',
        cards.module,
        '--token-label',
        card.label,
        '--login',
        '--pin',
        card.pin,
        '--sign',
        '--id',
        id,
        ...mech,
        '--input-file',
        inFile,
        '--output-file',
        outFile,
      ],
      { env: { ...process.env, SOFTHSM2_CONF: cards.softhsm2Conf } },
    );
    return new Uint8Array(readFileSync(outFile));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The event signer of a demo card's operator: its PIV Authentication key (docs/events.md, "Writers"). */
export function demoEventSigner(cards: ProvisionedTestCards, label: string): EventSigner {
  const card = cards.cards.find((c) => c.label === label);
  const cert = card?.certificates.find((c) => c.usage === 'piv-auth');
  if (!card || !cert) throw new Error(`demo card ${label} has no PIV Authentication certificate`);
  return { certificateSha256: cert.sha256, sign: (preimage) => signWithDemoKey(cards, card, cert.id, preimage) };
}
