import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Blake3 } from '../../../shared/chain';
import { eventTime, operatorWriter } from '../../../shared/events';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA, policyVersionDigest, type PolicyVersion } from '../../../shared/policy';
import type { ProvisionedTestCards } from '../card/test-cards';
import type { ArxConfig } from '../config/config';
import { ChainWriter } from '../controlplane/chain-writer';
import { insertOperatorIfAbsent, operatorIdByEdipi } from '../controlplane/repos/operators';
import {
  appendPublication,
  insertPolicy,
  insertSignature,
  insertVersion,
  setActiveVersion,
  setVersionState,
} from '../controlplane/repos/policy-versions';
import { allTenantIds, insertOrgUnit } from '../controlplane/repos/tenants';
import { createTenant } from '../controlplane/tenants';
import { GATEWAY_POLICY_NAME, loadVerifiedPolicy } from '../policy/gateway-policy';
import { embeddedGateway, type GatewayPools } from '../simulator/embedded-gateway';
import { simulate } from '../simulator/simulate';
import { designateAdministrators } from '../administration/bootstrap';
import {
  DEMO_ADMINISTRATOR_LABELS,
  DEMO_APPROVER_LABEL,
  DEMO_AUTHOR_LABEL,
  demoEventSigner,
  demoSigningCards,
  signOnDemoCard,
  signPublicationOnDemoCard,
} from './demo-policy';

export const DEMO_TENANTS = [
  { slug: 'alpha-command', name: 'Alpha Command (demo)', seed: 1 },
  { slug: 'bravo-finance', name: 'Bravo Finance (demo)', seed: 2 },
] as const;

/**
 * First start of the embedded default: two tenants, each with a published policy and simulated
 * gateway traffic (50,000 events each unless ARX_DEMO_EVENTS says otherwise), so that a newcomer
 * sees a living control plane. Runs only when the control plane has no tenant at all.
 *
 * The demo policy goes through the real two-person rule: the demo cards of ADAMS (author) and
 * BAKER (approver) sign its version digest, it is published with its lifecycle events, and the
 * simulated gateway loads it through the same signature check as any gateway (loadVerifiedPolicy).
 * With the demo cards, ADAMS and BAKER are also the control plane's administrator pair, and CARTER
 * holds two roles (demo-policy.ts). Without SoftHSM2 (or with real trust anchors configured) nothing can sign it: the version stays
 * submitted and unsigned, and no traffic is simulated, because the gateway refuses unsigned versions.
 */
export async function seedDemoIfEmpty(
  cp: GatewayPools,
  config: ArxConfig,
  blake3: Blake3,
  onProgress: (fraction: number) => void = () => {},
  eventsPerTenant = Number(process.env.ARX_DEMO_EVENTS ?? 50_000),
  log: (line: string) => void = () => {},
): Promise<boolean> {
  const admin = cp.requireAdminPool();
  if ((await allTenantIds(admin)).length > 0) return false;
  const tenants = await createDemoTenants(admin);
  const cards = await demoSigningCards(
    config,
    admin,
    tenants.map((t) => t.tenant.id),
    log,
  );
  await seedDemoOperators(admin, cards);
  const authorId = (await operatorIdByEdipi(admin, '1000000001'))!;
  const version = policyVersionDigest({ policies: DEFAULT_POLICY_TEXT, schema: GATEWAY_SCHEMA, tests: [] });
  const start = demoTrafficStart(Date.now());
  for (const [i, t] of tenants.entries()) {
    const tenantId = t.tenant.id;
    const policyId = randomUUID();
    const demo: DemoPolicy = { admin, tenantId, policyId, version };
    await insertDemoVersion(demo, authorId);
    if (!cards) {
      log(
        `demo policy of ${t.slug} left unsigned: no demo card to sign it (SoftHSM2 missing or real trust anchors configured); no traffic simulated`,
      );
      onProgress((i + 1) / tenants.length);
      continue;
    }
    const ids = await signDemoVersion(demo, cards);
    await publishDemoVersion(demo, cards, ids);
    await appendDemoLifecycle(demo, cards, ids, blake3, start);
    // The demo gateway loads what any gateway would: the newest publication whose signatures verify.
    const policy = await loadVerifiedPolicy(cp.requireGatewayPool(), tenantId);
    const gw = await embeddedGateway(cp, config, t.tenant, blake3);
    await simulate({
      pool: cp.requireGatewayPool(),
      tenantId,
      events: eventsPerTenant,
      seed: t.seed,
      start,
      engine: policy.engine,
      writer: gw.writer,
      drainCheckpoints: () => gw.checkpointer.drainIssued(),
      keyName: gw.key.name,
      onProgress: (done) => onProgress((i + done / eventsPerTenant) / tenants.length),
    });
  }
  return true;
}

/** The demo policy of one tenant: where it lives and the version every demo tenant publishes. */
interface DemoPolicy {
  admin: pg.Pool;
  tenantId: string;
  policyId: string;
  version: PolicyVersion;
}
/** The operator id of each signing role. */
type SignerIds = Record<string, string>;

async function createDemoTenants(admin: pg.Pool) {
  const tenants = [];
  for (const t of DEMO_TENANTS) {
    const tenant = await createTenant(admin, t.slug, t.name);
    await insertOrgUnit(admin, { id: randomUUID(), tenantId: tenant.id, kind: 'organisation', name: t.name });
    tenants.push({ ...t, tenant });
  }
  return tenants;
}

/** With demo cards their holders are operators already; without, the author is added by hand. */
async function seedDemoOperators(admin: pg.Pool, cards: ProvisionedTestCards | null): Promise<void> {
  if (!cards) {
    await insertOperatorIfAbsent(admin, randomUUID(), '1000000001', 'ADAMS.ALICE.ANN.1000000001');
    return;
  }
  // The administrator pair of the demo control plane (its system tenant, as at bootstrap).
  const pair = DEMO_ADMINISTRATOR_LABELS.map((label) => cards.cards.find((c) => c.label === label)!);
  await designateAdministrators(
    admin,
    await Promise.all(
      pair.map(async (c) => ({ operatorId: (await operatorIdByEdipi(admin, c.edipi))!, edipi: c.edipi })),
    ),
  );
}

async function insertDemoVersion({ admin, tenantId, policyId, version }: DemoPolicy, authorId: string) {
  await insertPolicy(admin, policyId, tenantId, GATEWAY_POLICY_NAME);
  await insertVersion(admin, {
    ...version,
    tenantId,
    policyId,
    parentSha256: null,
    text: DEFAULT_POLICY_TEXT,
    schema: GATEWAY_SCHEMA,
    tests: [],
    authorId,
  });
}

/** The two-person rule: the author's and the approver's cards sign the version digest. */
async function signDemoVersion({ admin, tenantId, policyId, version }: DemoPolicy, cards: ProvisionedTestCards) {
  const signers: { role: 'author' | 'approver'; label: string }[] = [
    { role: 'author', label: DEMO_AUTHOR_LABEL },
    { role: 'approver', label: DEMO_APPROVER_LABEL },
  ];
  const ids: SignerIds = {};
  for (const s of signers) {
    const signed = await signOnDemoCard(cards, s.label, { role: s.role, tenantId, policyId, version });
    const op = (await operatorIdByEdipi(admin, signed.card.edipi))!;
    ids[s.role] = op;
    await insertSignature(admin, {
      tenantId,
      sha256: version.sha256,
      operatorId: op,
      role: s.role,
      certificateSha256: signed.certificateSha256,
      envelope: signed.envelope,
    });
  }
  return ids;
}

async function publishDemoVersion(
  { admin, tenantId, policyId, version }: DemoPolicy,
  cards: ProvisionedTestCards,
  ids: SignerIds,
) {
  await setVersionState(admin, tenantId, version.sha256, 'published');
  await setActiveVersion(admin, tenantId, policyId, version.sha256);
  const publication = await signPublicationOnDemoCard(cards, DEMO_APPROVER_LABEL, {
    _type: 'arx.policy-publication/v1',
    kind: 'publish',
    tenantId,
    policyId,
    version,
    previousSha256: null,
    sequence: 0,
    rollbackId: null,
  });
  await appendPublication(admin, {
    tenantId,
    policyId,
    seq: 0,
    sha256: version.sha256,
    previousSha256: null,
    kind: 'publish',
    rollbackId: null,
    by: ids['approver']!,
    envelope: publication.envelope,
  });
}

/** The submitted, approved and published events, each written and signed by its operator. */
async function appendDemoLifecycle(
  { admin, tenantId, policyId, version }: DemoPolicy,
  cards: ProvisionedTestCards,
  ids: SignerIds,
  blake3: Blake3,
  start: Date,
) {
  // Dated just before the simulated traffic, which starts 14 to 21 days ago.
  const at = (minutesBefore: number) => eventTime(new Date(start.getTime() - minutesBefore * 60_000), 0);
  // Each step names its operator as writer (docs/events.md, "Writers").
  const labels: Record<string, string> = { author: DEMO_AUTHOR_LABEL, approver: DEMO_APPROVER_LABEL };
  const lifecycle = (role: string) =>
    new ChainWriter(admin, tenantId, {
      source: '/arx/console/demo-seed',
      blake3,
      writer: operatorWriter(ids[role]!),
      signer: demoEventSigner(cards, labels[role]!),
    });
  await lifecycle('author').append([
    {
      type: 'com.arx.policy.submitted',
      data: { policyId, versionSha256: version.sha256, versionBlake3: version.blake3, author: ids['author'] },
      subject: 'demo-seed',
      time: at(30),
    },
  ]);
  await lifecycle('approver').append([
    {
      type: 'com.arx.policy.approved',
      data: { policyId, versionSha256: version.sha256, approver: ids['approver'] },
      subject: 'demo-seed',
      time: at(20),
    },
    {
      type: 'com.arx.policy.published',
      data: { policyId, versionSha256: version.sha256, previousSha256: null, publishedBy: ids['approver'] },
      subject: 'demo-seed',
      time: at(10),
    },
  ]);
}

const DAY_MS = 86_400_000;

/**
 * The Friday 00:00 UTC on or before 14 days ago. The simulator skips off-hours by drawing from its
 * random stream, so a start at another hour or weekday seeds different traffic; a fixed weekly
 * phase makes the demo the same at any hour. Friday: even a small demo (the e2e tests' 200 events)
 * then holds denials in both tenants, which Home and the explorer show.
 */
export function demoTrafficStart(nowMs: number): Date {
  const back = nowMs - 14 * DAY_MS;
  const midnight = back - (back % DAY_MS);
  const sinceFriday = (new Date(midnight).getUTCDay() + 2) % 7;
  return new Date(midnight - sinceFriday * DAY_MS);
}
