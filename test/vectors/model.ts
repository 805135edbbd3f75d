import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blake3 } from '@noble/hashes/blake3.js';
import { p256 } from '@noble/curves/nist.js';
import { toHex, utf8 } from '../../shared/bytes';
import {
  bundleMagicText,
  eventRecordHeader,
  manifestPayloadType,
  schemaMemberName,
  VERIFY_SH_MEMBER,
  type BundleVersion,
} from '../../shared/bundle';
import { JSON_SCHEMAS, jsonSchemaText } from '../../shared/bundle/json-schemas';
import { VERIFY_SH } from '../../electron/main/bundle/verify-script';
import { ChainBuilder, genesisHash, nobleBlake3 } from '../../shared/chain';
import {
  ed25519Signer,
  formatArxCheckpoint,
  formatTlogProof,
  formatVerifierKey,
  signNote,
} from '../../shared/checkpoint';
import { envelopeOf, pae } from '../../shared/dsse';
import { serializeEvent, type ArxEvent } from '../../shared/events';
import { MerkleTree } from '../../shared/merkle';
import { EXPORTER } from './pki';

/** The fixed seed every key and value of the vectors derives from. */
export const SEED = 'arx-conformance/1';
export const TENANT = '5eed0000-0000-4000-8000-000000000001';
export const SLUG = 'vectors';
export const GATEWAY_KEY = `arx-gateway.${TENANT}.1`;
/** The tenant's previous gateway key, pinned with its window: revoked before any checkpoint here. */
export const REVOKED_GATEWAY_KEY = `arx-gateway.${TENANT}.0`;
export const REVOKED_AT = '2026-11-01T00:00:00.000Z';

export const derive = (label: string): Uint8Array =>
  new Uint8Array(createHash('sha256').update(`${SEED}/${label}`).digest());

export interface Member {
  name: string;
  data: Uint8Array;
}

export interface Inputs {
  exporterDer: Uint8Array;
  intermediateDer: Uint8Array;
  untrustedExporterDer: Uint8Array;
  untrustedRootDer: Uint8Array;
}

export function readInputs(dir: string): Inputs {
  const r = (n: string) => new Uint8Array(readFileSync(join(dir, 'inputs', n)));
  return {
    exporterDer: r('exporter.der'),
    intermediateDer: r('intermediate.der'),
    untrustedExporterDer: r('exporter-untrusted.der'),
    untrustedRootDer: r('untrusted-root.der'),
  };
}

export const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const json = (v: unknown) => utf8(JSON.stringify(v));

/** Six gateway events (two requests) of the vectors' tenant, seq 0 … 5, with fixed times. */
export function chainEvents(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const push = (type: ArxEvent['type'], data: Record<string, unknown>, req: string) => {
    const seq = out.length;
    const e = {
      specversion: '1.0',
      id: `req-${req}:${seq}`,
      source: '/arx/gateway/vectors',
      type,
      subject: 'user-0001',
      time: `2026-11-02T09:00:0${seq}.000${seq}00Z`,
      datacontenttype: 'application/json',
      sequence: String(seq),
      arxtenant: TENANT,
      arxwriter: 'gateway/arx_gateway',
      data,
    } as unknown as ArxEvent;
    out.push(serializeEvent(e));
  };
  for (const req of ['0001', '0002']) {
    const base = { requestId: `req-${req}` };
    const model = { provider: 'anthropic', model: 'claude-test' };
    push(
      'com.arx.request.received',
      {
        ...base,
        user: 'user-0001',
        team: 'team-01',
        ...model,
        classification: 'UNCLASSIFIED',
        jurisdiction: 'US',
        purpose: 'conformance',
        promptTokens: 100,
        estimatedCostCents: 1,
      },
      req,
    );
    push('com.arx.response.returned', { ...base, status: 'ok', latencyMs: 900, totalTokens: 140 }, req);
    push(
      'com.arx.cost.recorded',
      { ...base, user: 'user-0001', team: 'team-01', ...model, costCents: 1, promptTokens: 100, completionTokens: 40 },
      req,
    );
  }
  return out;
}

/** What a bundle is made from; tampers change it before the members are written. */
export interface Model {
  /** The format version written (2 unless a vector keeps version 1). */
  version: BundleVersion;
  from: number;
  to: number;
  events: Uint8Array[];
  /**
   * The events as events.bin stores them, when they differ from what the gateway chained and
   * checkpointed (a rewrite after the fact): their digests and links are recomputed from these.
   */
  stored?: Uint8Array[];
  /** Checkpoint tree sizes issued, in order (the chain is all six events). */
  checkpointSizes: number[];
  gatewaySeed: Uint8Array;
  /** The name the checkpoints are signed and gateway-keys.json lists the key under. */
  gatewayKeyName: string;
  keyValidFrom: string;
  keyValidTo: string | null;
  createdAt: string;
}

export function validModel(): Model {
  return {
    version: 2,
    from: 2,
    to: 5,
    events: chainEvents(),
    checkpointSizes: [4, 6],
    gatewaySeed: derive('gateway-key'),
    gatewayKeyName: GATEWAY_KEY,
    keyValidFrom: '2026-11-01T00:00:00.000Z',
    keyValidTo: null,
    createdAt: '2026-11-03T12:00:00.000Z',
  };
}

/** h_to of the chain as stored. */
function lastOf(m: Model): Uint8Array {
  const b = new ChainBuilder(nobleBlake3, { tenantId: TENANT });
  let h: Uint8Array = new Uint8Array(32);
  for (const e of (m.stored ?? m.events).slice(0, m.to + 1)) h = b.append(e).hash;
  return h;
}

/** Every member before the checksums, in the order of the format's §3. */
export function bodyMembers(m: Model, inputs: Inputs): Member[] {
  const chain = new ChainBuilder(nobleBlake3, { tenantId: TENANT });
  const entries = m.events.map((e) => chain.append(e));
  const tree = new MerkleTree();
  for (const e of entries) tree.append(e.hash);
  const signer = ed25519Signer(m.gatewayKeyName, m.gatewaySeed);
  const notes = m.checkpointSizes.map((size, i) =>
    signNote(
      formatArxCheckpoint({
        tenantId: TENANT,
        size,
        root: tree.root(size),
        time: `2026-11-02T10:0${i}:00.000000Z`,
        head: entries[size - 1]!.hash,
      }),
      [signer],
    ),
  );
  const prevHash = m.from === 0 ? genesisHash(nobleBlake3, TENANT) : entries[m.from - 1]!.hash;
  const members: Member[] = [
    { name: 'ARX-BUNDLE', data: utf8(bundleMagicText(m.version)) },
    {
      name: 'VERIFY.md',
      data: utf8("# Conformance vector\n\nCheck it with verify.sh and the vectors' trust directory.\n"),
    },
    {
      name: 'range.json',
      data: json({
        tenantId: TENANT,
        tenantSlug: SLUG,
        from: m.from,
        to: m.to,
        count: m.to - m.from + 1,
        prevHash: toHex(prevHash),
        lastHash: toHex(lastOf(m)),
        review: null,
      }),
    },
    {
      name: 'gateway-keys.json',
      data: utf8(
        `[\n${JSON.stringify({
          name: m.gatewayKeyName,
          algorithm: 'ed25519',
          verifierKey: formatVerifierKey(m.gatewayKeyName, signer.publicKey),
          validFrom: m.keyValidFrom,
          validTo: m.keyValidTo,
        })}\n]\n`,
      ),
    },
  ];
  notes.forEach((note, i) => members.push({ name: `checkpoint-00000${i + 1}.note`, data: utf8(note) }));
  const consistency = m.checkpointSizes.slice(1).map((size, i) => {
    const prev = m.checkpointSizes[i]!;
    const proof = prev === size || prev === 0 ? [] : tree.consistencyProof(prev, size);
    return {
      checkpoint: i + 2,
      fromSize: prev,
      toSize: size,
      proof: proof.map((p) => Buffer.from(p).toString('base64')),
    };
  });
  members.push({ name: 'consistency.json', data: json(consistency) });
  if (m.from > 0) {
    const start = m.checkpointSizes.findIndex((s) => s >= m.from);
    const size = m.checkpointSizes[start]!;
    members.push({
      name: 'proof-start.tlog-proof',
      data: utf8(
        formatTlogProof({ index: m.from - 1, proof: tree.inclusionProof(m.from - 1, size), checkpoint: notes[start]! }),
      ),
    });
  }
  const end = m.checkpointSizes.findIndex((s) => s >= m.to + 1);
  const endSize = m.checkpointSizes[end]!;
  members.push({
    name: 'proof-end.tlog-proof',
    data: utf8(formatTlogProof({ index: m.to, proof: tree.inclusionProof(m.to, endSize), checkpoint: notes[end]! })),
  });
  members.push({ name: `cert-${sha256Hex(inputs.intermediateDer)}.der`, data: inputs.intermediateDer });
  const stored = m.stored ?? m.events;
  const rechain = new ChainBuilder(nobleBlake3, { tenantId: TENANT });
  const storedEntries = stored.map((e) => rechain.append(e));
  const records: Uint8Array[] = [];
  for (let s = m.from; s <= m.to; s++) {
    const e = storedEntries[s]!;
    records.push(eventRecordHeader(s, stored[s]!.length, e.digest, e.hash), stored[s]!);
  }
  members.push({ name: 'events.bin', data: new Uint8Array(Buffer.concat(records)) });
  if (m.version === 2) {
    members.push({ name: VERIFY_SH_MEMBER, data: utf8(VERIFY_SH) });
    for (const n of Object.keys(JSON_SCHEMAS))
      members.push({ name: schemaMemberName(n), data: utf8(jsonSchemaText(n)) });
  }
  return members;
}

export interface SealOptions {
  /** Changes the manifest object before it is serialised and signed. */
  manifest?: (m: Record<string, unknown>) => void;
  /** The certificate written as manifest-signer.der (default: the exporter's). */
  signerDer?: Uint8Array;
  /** Changes the envelope after signing. */
  envelope?: (e: Record<string, unknown>) => void;
  /** Signs with this P-256 key instead of the exporter's. */
  key?: Uint8Array;
  /** Changes the manifest's text before it is signed. */
  payload?: (text: string) => string;
  /** Changes SHA256SUMS before it is listed. */
  sums?: (text: string) => string;
}

const digest = (m: Member) => ({
  name: m.name,
  size: m.data.length,
  sha256: sha256Hex(m.data),
  blake3: toHex(blake3(m.data)),
});

/** Checksum lists, manifest, its DSSE envelope (RFC 6979 ECDSA: deterministic) and the signer certificate. */
export function seal(body: Member[], m: Model, inputs: Inputs, o: SealOptions = {}): Member[] {
  const digests = body.map(digest);
  const members = [
    ...body,
    {
      name: 'SHA256SUMS',
      data: utf8((o.sums ?? ((t) => t))(digests.map((d) => `${d.sha256}  ${d.name}\n`).join(''))),
    },
    { name: 'B3SUMS', data: utf8(digests.map((d) => `${d.blake3}  ${d.name}\n`).join('')) },
  ];
  const signerDer = o.signerDer ?? inputs.exporterDer;
  const manifest: Record<string, unknown> = {
    format: 'arx-bundle',
    version: m.version,
    createdAt: m.createdAt,
    tenant: { id: TENANT, slug: SLUG },
    range: { from: m.from, to: m.to, count: m.to - m.from + 1 },
    review: null,
    ...(m.version === 2 ? { classification: 'SECRET' } : {}),
    exporter: {
      operatorId: '5eed0000-0000-4000-8000-0000000000e1',
      edipi: EXPORTER.edipi,
      displayName: `${EXPORTER.last}, ${EXPORTER.first}`,
      loginCertificateSha256: sha256Hex(derive('login-certificate')),
    },
    members: members.map(digest),
  };
  o.manifest?.(manifest);
  const payload = utf8((o.payload ?? ((t) => t))(JSON.stringify(manifest)));
  const payloadType = manifestPayloadType(m.version);
  const sig = p256.sign(pae(payloadType, payload), o.key ?? derive('exporter-key'), {
    prehash: true,
    format: 'der',
  });
  const envelope = envelopeOf(payloadType, payload, [{ keyid: sha256Hex(signerDer), sig }]) as unknown as Record<
    string,
    unknown
  >;
  o.envelope?.(envelope);
  return [
    ...members,
    { name: 'manifest.json', data: payload },
    { name: 'manifest.dsse.json', data: json(envelope) },
    { name: 'manifest-signer.der', data: signerDer },
  ];
}
