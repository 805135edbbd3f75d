import type pg from 'pg';
import { toHex } from '../../../shared/bytes';
import { genesisHash, type Blake3 } from '../../../shared/chain';
import { formatTlogProof, formatVerifierKey } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';
import type { ExplorerEvent } from '../../../shared/contract/domains/audit-explorer';
import type { MerkleHasher } from '../../../shared/merkle';
import { ChainHashesMissing, InclusionProver, type SubtreeCache } from './proof';

/**
 * One event with what is needed to check it (shared/explorer/event-check.ts does the checking):
 * the row as stored, the previous row's chain hash, the nearest signed checkpoint that covers it
 * (the smallest tree size above its seq) with an inclusion proof as a C2SP tlog-proof, and the
 * tenant's gateway verifier keys with their validity windows. Run inside withTenant.
 */
export async function loadEventDetail(
  client: pg.ClientBase,
  tenantId: string,
  seq: number,
  deps: { blake3: Blake3; hasher: MerkleHasher; cache: SubtreeCache },
): Promise<ExplorerEvent> {
  const row = await client.query<{
    event_id: string;
    bytes: Buffer;
    doc: unknown;
    event_digest: Buffer;
    chain_hash: Buffer;
  }>('SELECT event_id, bytes, doc, event_digest, chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2', [
    tenantId,
    seq,
  ]);
  const r = row.rows[0];
  if (!r) throw new ArxFailure('NOT_FOUND', `There is no event ${seq} in this tenant's chain.`, { seq });

  let previousHash: string | null;
  if (seq === 0) previousHash = toHex(genesisHash(deps.blake3, tenantId));
  else {
    const p = await client.query<{ chain_hash: Buffer }>(
      'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2',
      [tenantId, seq - 1],
    );
    previousHash = p.rows[0] ? toHex(p.rows[0].chain_hash) : null;
  }

  const keys = await client.query<{ key_name: string; public_key: Buffer; valid_from: Date; valid_to: Date | null }>(
    'SELECT key_name, public_key, valid_from, valid_to FROM arx.gateway_keys WHERE tenant_id = $1 ORDER BY valid_from',
    [tenantId],
  );
  const verifierKeys = keys.rows.flatMap((k) => {
    try {
      return [
        {
          key: formatVerifierKey(k.key_name, new Uint8Array(k.public_key)),
          validFrom: k.valid_from.toISOString(),
          validTo: k.valid_to?.toISOString() ?? null,
        },
      ];
    } catch {
      return []; // a malformed stored key verifies nothing; the chain verifier reports it
    }
  });

  const cp = await client.query<{ tree_size: string; note: string; issued_at: Date }>(
    `SELECT tree_size, note, issued_at FROM arx.checkpoints WHERE tenant_id = $1 AND tree_size > $2
     ORDER BY tree_size ASC, issued_at ASC LIMIT 1`,
    [tenantId, seq],
  );
  let proof: ExplorerEvent['proof'] = null;
  let proofUnavailable: string | null = null;
  const c = cp.rows[0];
  if (!c) {
    proofUnavailable =
      'No signed checkpoint covers this event yet: it is in the tail after the newest checkpoint (not yet provable).';
  } else {
    const size = Number(c.tree_size);
    try {
      const hashes = await new InclusionProver(client, tenantId, deps.hasher, deps.cache).inclusionProof(seq, size);
      proof = {
        tlogProof: formatTlogProof({ index: seq, proof: hashes, checkpoint: c.note }),
        treeSize: size,
        issuedAt: c.issued_at.toISOString(),
      };
    } catch (err) {
      if (!(err instanceof ChainHashesMissing)) throw err;
      proofUnavailable = `No inclusion proof can be built from the stored chain: ${err.message} (events were deleted).`;
    }
  }

  return {
    tenantId,
    seq,
    eventId: r.event_id,
    bytesBase64: r.bytes.toString('base64'),
    doc: r.doc,
    digest: toHex(r.event_digest),
    chainHash: toHex(r.chain_hash),
    previousHash,
    proof,
    proofUnavailable,
    verifierKeys,
  };
}
