import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blake3 } from '@noble/hashes/blake3.js';
import { toHex, utf8 } from '../../../shared/bytes';
import {
  END_OF_ARCHIVE,
  MANIFEST_PAYLOAD_TYPE,
  TarReader,
  TRAILER,
  padding,
  ustarHeader,
} from '../../../shared/bundle';
import { ed25519Signer, formatVerifierKey } from '../../../shared/checkpoint';
import { envelopeOf, pae } from '../../../shared/dsse';
import {
  DEFAULT_POLICY_TEXT,
  GATEWAY_SCHEMA,
  POLICY_SIGNATURE_PAYLOAD_TYPE,
  policyVersionDigest,
  statementBytes,
} from '../../../shared/policy';
import { CardService } from '../../../electron/main/card/card-service';
import type { ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { registerGatewayKey } from '../../../electron/main/controlplane/gateway-keys';
import { simulate } from '../../../electron/main/simulator/simulate';
import type { MigratedDatabase } from '../../support/pg';

export interface Member {
  name: string;
  data: Uint8Array;
  /** Offset of the member's data in the tar. */
  offset: number;
}

/** Every member of a (valid) bundle, with where its data starts in the file. */
export function readMembers(bytes: Uint8Array): Member[] {
  const out: Member[] = [];
  let cur: { name: string; parts: Uint8Array[]; offset: number } | null = null;
  const reader: TarReader = new TarReader({
    begin: (name) => (cur = { name, parts: [], offset: reader.bytesRead }),
    data: (c) => cur!.parts.push(c.slice()),
    end: () => {
      const c = cur!;
      out.push({ name: c.name, data: Buffer.concat(c.parts), offset: c.offset });
    },
  });
  reader.push(bytes);
  reader.end();
  return out;
}

/** A canonical tar of `members`, in the given order. */
export function writeTar(members: { name: string; data: Uint8Array }[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    parts.push(ustarHeader(m.name, m.data.length), m.data, new Uint8Array(padding(m.data.length)));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

export type DigestSigner = (digest: Uint8Array) => Promise<{ signature: Uint8Array; certificateDer: Uint8Array }>;

/**
 * What a dishonest exporter with a card can do: change members, then write fresh checksum lists
 * and a freshly signed manifest, so that only the check that looks at the changed content fails.
 */
export async function resign(
  bytes: Uint8Array,
  mutate: (members: { name: string; data: Uint8Array }[]) => { name: string; data: Uint8Array }[],
  sign: DigestSigner,
  /** Fields of the manifest's exporter to replace (a consistent bundle signed by another card). */
  exporter?: Record<string, string>,
): Promise<Buffer> {
  const all = readMembers(bytes);
  const oldManifest = JSON.parse(
    Buffer.from(all.find((m) => m.name === 'manifest.json')!.data).toString('utf8'),
  ) as Record<string, unknown>;
  const body = mutate(
    all
      .filter((m) => !(TRAILER as readonly string[]).includes(m.name) && m.name !== 'SHA256SUMS' && m.name !== 'B3SUMS')
      .map((m) => ({ name: m.name, data: m.data })),
  );
  const digests = body.map((m) => ({
    name: m.name,
    size: m.data.length,
    sha256: createHash('sha256').update(m.data).digest('hex'),
    blake3: toHex(blake3(m.data)),
  }));
  const sums = [
    { name: 'SHA256SUMS', data: utf8(digests.map((d) => `${d.sha256}  ${d.name}\n`).join('')) },
    { name: 'B3SUMS', data: utf8(digests.map((d) => `${d.blake3}  ${d.name}\n`).join('')) },
  ];
  const members = [...body, ...sums];
  const manifest = {
    ...oldManifest,
    ...(exporter ? { exporter: { ...(oldManifest.exporter as Record<string, string>), ...exporter } } : {}),
    members: members.map((m) => ({
      name: m.name,
      size: m.data.length,
      sha256: createHash('sha256').update(m.data).digest('hex'),
      blake3: toHex(blake3(m.data)),
    })),
  };
  const payload = utf8(JSON.stringify(manifest));
  const signed = await sign(new Uint8Array(createHash('sha256').update(pae(MANIFEST_PAYLOAD_TYPE, payload)).digest()));
  const keyid = createHash('sha256').update(signed.certificateDer).digest('hex');
  return writeTar([
    ...members,
    { name: 'manifest.json', data: payload },
    {
      name: 'manifest.dsse.json',
      data: utf8(JSON.stringify(envelopeOf(MANIFEST_PAYLOAD_TYPE, payload, [{ keyid, sig: signed.signature }]))),
    },
    { name: 'manifest-signer.der', data: signed.certificateDer },
  ]);
}

/**
 * Signs with SoftHSM2 test cards' Digital Signature keys directly (no certificate validation: the
 * verifier must catch a bad signer). One CardService per process: PKCS#11 is initialised once.
 */
export async function openCards(modulePath: string) {
  const service = await CardService.open({ modulePath });
  return {
    async signer(label: string, pin: string): Promise<{ sign: DigestSigner; close: () => Promise<void> }> {
      const slot = (await service.listSlots()).find((s) => s.token?.label === label);
      if (!slot) throw new Error(`no token ${label}`);
      const session = await service.login(slot.slot, utf8(pin), {});
      return {
        async sign(digest) {
          const r = await session.signDigest('test bundle manifest', digest, utf8(pin), { rsa: 'pkcs1' });
          return { signature: r.der ?? r.raw, certificateDer: new Uint8Array(r.certificate.der) };
        },
        close: () => session.logout().catch(() => {}),
      };
    },
    close: () => service.close(),
  };
}

export function flipByte(bytes: Uint8Array, at: number): Buffer {
  const b = Buffer.from(bytes);
  b[at] = b[at]! ^ 0x01;
  return b;
}

/**
 * The exporting side of a bundle test, shared by bundle.test.ts and review-pins-pin.test.ts:
 * gateway traffic on `tenant` with a checkpoint signed every 100 events by a registered gateway key.
 */
export async function seedCheckpointedTraffic(
  db: MigratedDatabase,
  tenant: string,
  opts: { keyName: string; events: number; seed: number; start: Date },
): Promise<{ name: string; publicKey: Uint8Array }> {
  const signer = ed25519Signer(opts.keyName, randomBytes(32));
  await registerGatewayKey(db.admin, tenant, {
    name: signer.name,
    secretKey: new Uint8Array(32),
    publicKey: signer.publicKey,
    validFrom: new Date(Date.now() - 86_400_000),
  });
  const cp = new Checkpointer(tenant, signer, { everyEvents: 100, everyMs: 3_600_000 });
  const writer = new ChainWriter(db.gatewayPool, tenant, {
    source: '/arx/simulator/test',
    afterAppend: cp.afterAppend,
  });
  await simulate({
    pool: db.gatewayPool,
    tenantId: tenant,
    events: opts.events,
    seed: opts.seed,
    start: opts.start,
    writer,
    batchSize: 50,
  });
  return { name: signer.name, publicKey: signer.publicKey };
}

/**
 * The policy version the simulated decisions used (the default policy), published with its author
 * signature (ADAMS, EC card) and approver signature (BAKER, RSA card) made on the SoftHSM2 cards.
 */
export async function publishCardSignedDefaultPolicy(
  db: Pick<MigratedDatabase, 'admin'>,
  cards: ProvisionedTestCards,
  tenant: string,
): Promise<{ sha256: string }> {
  const version = policyVersionDigest({ policies: DEFAULT_POLICY_TEXT, schema: GATEWAY_SCHEMA, tests: [] });
  const ops = await db.admin.query<{ id: string; edipi: string }>('SELECT id, edipi FROM arx.operators');
  const opId = (edipi: string) => ops.rows.find((o) => o.edipi === edipi)!.id;
  const policyId = randomUUID();
  const c = await db.admin.connect();
  try {
    await c.query('BEGIN');
    await c.query("SELECT set_config('arx.tenant_id', $1, true)", [tenant]);
    await c.query(`INSERT INTO arx.policies (id, tenant_id, name) VALUES ($1, $2, 'gateway')`, [policyId, tenant]);
    await c.query(
      `INSERT INTO arx.policy_versions (sha256, blake3, tenant_id, policy_id, policy_text, schema_text, tests, author_id, state) VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, 'published')`,
      [
        Buffer.from(version.sha256, 'hex'),
        Buffer.from(version.blake3, 'hex'),
        tenant,
        policyId,
        DEFAULT_POLICY_TEXT,
        GATEWAY_SCHEMA,
        opId('1000000001'),
      ],
    );
    const hsm = await openCards(cards.module);
    for (const [role, label, edipi] of [
      ['author', 'ARX TEST ADAMS EC', '1000000001'],
      ['approver', 'ARX TEST BAKER RSA', '1000000002'],
    ] as const) {
      const card = await hsm.signer(label, '123456');
      const statement = statementBytes({ _type: 'arx.policy-signature/v1', role, tenantId: tenant, policyId, version });
      const signed = await card.sign(
        new Uint8Array(createHash('sha256').update(pae(POLICY_SIGNATURE_PAYLOAD_TYPE, statement)).digest()),
      );
      await card.close();
      const certSha = createHash('sha256').update(signed.certificateDer).digest('hex');
      await c.query(
        `INSERT INTO arx.policy_signatures (version_sha256, tenant_id, operator_id, role, certificate_sha256, envelope) VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          Buffer.from(version.sha256, 'hex'),
          tenant,
          opId(edipi),
          role,
          Buffer.from(certSha, 'hex'),
          JSON.stringify(
            envelopeOf(POLICY_SIGNATURE_PAYLOAD_TYPE, statement, [{ keyid: certSha, sig: signed.signature }]),
          ),
        ],
      );
    }
    await hsm.close();
    await c.query('COMMIT');
  } finally {
    c.release();
  }
  return { sha256: version.sha256 };
}

/**
 * The auditor's own trust directory (anchors, CRLs, policy arcs) and, when given, the gateway keys
 * it pins, each with an open window (as exported for a key registered long ago and never ended).
 */
export const OPEN_PIN_WINDOW = 'valid-from=2000-01-01T00:00:00.000Z valid-to=open';

export function auditorTrustDir(
  cards: ProvisionedTestCards,
  dir: string,
  pins: readonly { name: string; publicKey: Uint8Array }[] = [],
): string {
  for (const [from, to] of [
    [cards.trustAnchors, 'anchors'],
    [cards.crls, 'crls'],
  ] as const) {
    mkdirSync(join(dir, to), { recursive: true });
    for (const f of readdirSync(from)) copyFileSync(join(from, f), join(dir, to, f));
  }
  writeFileSync(join(dir, 'policy-arcs.txt'), `${cards.policyArc}\n`);
  if (pins.length)
    writeFileSync(
      join(dir, 'gateway-keys.txt'),
      pins.map((k) => `${formatVerifierKey(k.name, k.publicKey)} ${OPEN_PIN_WINDOW}\n`).join(''),
    );
  return dir;
}
