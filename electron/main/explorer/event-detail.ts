import type pg from 'pg';
import { toHex } from '../../../shared/bytes';
import { genesisHash, type Blake3 } from '../../../shared/chain';
import { formatTlogProof, formatVerifierKey } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';
import type { ExplorerEvent } from '../../../shared/contract/domains/audit-explorer';
import type { MerkleHasher } from '../../../shared/merkle';
import { checkpointsCovering, gatewayKeysOf } from '../controlplane/repos/checkpoints';
import { chainHashAt } from '../controlplane/repos/events';
import { eventAt } from '../controlplane/repos/explorer';
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
  const r = await eventAt(client, tenantId, seq);
  if (!r) throw new ArxFailure('NOT_FOUND', `There is no event ${seq} in this tenant's chain.`, { seq });

  let previousHash: string | null;
  if (seq === 0) previousHash = toHex(genesisHash(deps.blake3, tenantId));
  else {
    const p = await chainHashAt(client, tenantId, seq - 1);
    previousHash = p ? toHex(p) : null;
  }

  const verifierKeys = (await gatewayKeysOf(client, tenantId)).flatMap((k) => {
    try {
      return [
        {
          key: formatVerifierKey(k.keyName, new Uint8Array(k.publicKey)),
          validFrom: k.validFrom.toISOString(),
          validTo: k.validTo?.toISOString() ?? null,
        },
      ];
    } catch {
      return []; // a malformed stored key verifies nothing; the chain verifier reports it
    }
  });

  const c = (await checkpointsCovering(client, tenantId, seq, 1))[0];
  let proof: ExplorerEvent['proof'] = null;
  let proofUnavailable: string | null = null;
  if (!c) {
    proofUnavailable =
      'No signed checkpoint covers this event yet: it is in the tail after the newest checkpoint (not yet provable).';
  } else {
    const size = c.size;
    try {
      const hashes = await new InclusionProver(client, tenantId, deps.hasher, deps.cache).inclusionProof(seq, size);
      proof = {
        tlogProof: formatTlogProof({ index: seq, proof: hashes, checkpoint: c.note }),
        treeSize: size,
        issuedAt: c.issuedAt.toISOString(),
      };
    } catch (err) {
      if (!(err instanceof ChainHashesMissing)) throw err;
      proofUnavailable = `No inclusion proof can be built from the stored chain: ${err.message} (events were deleted).`;
    }
  }

  return {
    tenantId,
    seq,
    eventId: r.eventId,
    bytesBase64: r.bytes.toString('base64'),
    doc: r.doc,
    digest: toHex(r.digest),
    chainHash: toHex(r.chainHash),
    previousHash,
    proof,
    proofUnavailable,
    verifierKeys,
  };
}
