/**
 * One plain sentence per verification problem, for the ISSO's result screen, `arx chain verify`
 * and signed reviews ("event 48,213 was modified after it was written"). Pure: the renderer and
 * main use the same words. Codes are those of shared/chain/issues.ts plus the checkpoint, tenant,
 * jsonb and policy-version checks of the console's engine (docs/chain-format.md §5–§5.2).
 */
export interface ProblemForMeaning {
  code: string;
  details: { seq: number; lastSeq?: number; count?: number; delta?: number; [k: string]: unknown };
}

const n = (x: number) => x.toLocaleString('en-US');
const events = (c: number) => (c === 1 ? '1 event' : `${n(c)} events`);

export function problemMeaning(p: ProblemForMeaning): string {
  const d = p.details;
  const seq = d.seq;
  const last = typeof d.lastSeq === 'number' ? d.lastSeq : seq;
  const count = typeof d.count === 'number' ? d.count : last - seq + 1;
  const span = last > seq ? `events ${n(seq)} to ${n(last)}` : `event ${n(seq)}`;
  const size = typeof d.treeSize === 'number' ? d.treeSize : seq + 1;
  const writer = writerMeaning(p.code, seq);
  if (writer) return writer;
  switch (p.code) {
    case 'EVENT_DIGEST_MISMATCH':
      return `Event ${n(seq)} was modified after it was written: its stored bytes no longer hash to the digest recorded with it.`;
    case 'CHAIN_LINK_MISMATCH':
      return `The chain breaks at ${span}: the stored chain hash does not follow from the event before it, so the event was altered, replaced or re-hashed.`;
    case 'SEQ_GAP':
      return `${last > seq ? `Events ${n(seq)} to ${n(last)} were` : `Event ${n(seq)} was`} deleted: ${count === 1 ? 'its sequence number is' : 'their sequence numbers are'} missing from the chain.`;
    case 'SEQ_DUPLICATE':
      return `Two events carry sequence number ${n(seq)}: an event was inserted beside an existing one.`;
    case 'SEQ_OUT_OF_ORDER':
      return `Event ${n(seq)} is stored out of order; it could not be checked.`;
    case 'SEQ_RENUMBERED':
      return typeof d.delta === 'number' && d.delta > 0
        ? `From event ${n(seq)} on, events were renumbered to hide ${events(d.count ?? d.delta)} deleted before it.`
        : `From event ${n(seq)} on, events were renumbered (shifted by ${d.delta ?? '?'}) to make room for inserted events.`;
    case 'SEQ_SWAPPED':
      return `Events ${n(seq)} and ${n(last)} exchanged their places in the chain.`;
    case 'EVENT_INSERTED':
      return `${last > seq ? `Events ${n(seq)} to ${n(last)} were` : `Event ${n(seq)} was`} inserted: the chain links past ${last > seq ? 'them' : 'it'}, so ${last > seq ? 'they were' : 'it was'} never written by the gateway.`;
    case 'ANCHOR_MISMATCH':
      return `The chain up to event ${n(seq)} was rewritten: its hash differs from the one a signed checkpoint recorded.`;
    case 'CHAIN_TRUNCATED':
      return `${events(count)} at the end of the chain (from ${n(seq)}) were deleted although a signed checkpoint covers them.`;
    case 'TAIL_NOT_CHECKPOINTED':
      return count === 1
        ? `1 event from event ${n(seq)} on is not yet covered by a signed checkpoint: it is chained, but not yet provable.`
        : `${events(count)} from event ${n(seq)} on are not yet covered by a signed checkpoint: they are chained, but not yet provable.`;
    case 'CHECKPOINT_ROOT_MISMATCH':
      return `The Merkle root over the first ${n(typeof d.count === 'number' ? d.count : size)} stored events differs from the root the gateway signed: stored chain hashes were changed, or the checkpoint does not describe this chain.`;
    case 'CHECKPOINT_ROOT_UNCHECKED':
      return `${n(count)} checkpoint root(s) could not be recomputed, because the events stop lining up after a problem already listed.`;
    case 'ROW_MALFORMED':
      return `The stored row of event ${n(seq)} is malformed (a digest or hash of the wrong length).`;
    case 'CHECKPOINT_SIGNATURE_INVALID':
      return `The signature on the checkpoint of ${events(size)} does not verify: the signature was altered or replaced.`;
    case 'CHECKPOINT_KEY_UNKNOWN':
      return `The checkpoint of ${events(size)} is not signed by any registered gateway key: it was re-signed by someone else.`;
    case 'CHECKPOINT_KEY_OUTSIDE_WINDOW':
      return `The checkpoint of ${events(size)} was signed at a time when its key was not valid.`;
    case 'CHECKPOINT_MALFORMED':
      return `The checkpoint of ${events(size)} is malformed and was not used.`;
    case 'CHECKPOINT_ROW_MISMATCH':
      return `The checkpoint row of ${events(size)} says something other than its signed note: the row was edited.`;
    case 'CHECKPOINT_CONSISTENCY_INVALID':
      return `The checkpoint of ${events(size)} is not an extension of the previous one: the log was forked or rewritten between them.`;
    case 'EVENT_FOREIGN_TENANT':
      return `Event ${n(seq)} belongs to another tenant${typeof d.found === 'string' ? ` (${d.found})` : ''}: it was copied into this chain.`;
    case 'EVENT_WRITER_UNAUTHENTICATED':
      return `Event ${n(seq)} is a console event whose writer cannot be authenticated${typeof d.found === 'string' ? ` (it names ${d.found})` : ''}: no valid card signature of that operator. It was not written by the console.`;
    case 'EVENT_SIGNATURE_INVALID':
      return `The card signature on event ${n(seq)} does not verify: the event was altered after it was signed, or the signature was forged.`;
    case 'DOC_MISMATCH':
      return `The searchable (jsonb) copy of event ${n(seq)} disagrees with its stored bytes: the copy was edited. The stored bytes are the evidence.`;
    case 'DOC_UNCHECKED':
      return `The searchable (jsonb) copies could not be compared with the stored bytes.`;
    case 'POLICY_VERSION_MODIFIED':
      return `The text of policy version ${String(d.expected ?? '').slice(0, 12)}… was modified: it no longer hashes to its recorded digest${seq >= 0 ? ` (first used by event ${n(seq)})` : ''}.`;
    case 'GRANT_SIGNATURE_INVALID':
      return `The ${String(d.role ?? '')} grant of operator ${String(d.edipi ?? '')} carries an administrator's card signature (${d.found === 'approval' ? 'the approval' : 'the grant'}) that does not verify now: the grant was changed after it was signed, or the signature was forged.`;
    case 'GRANT_UNSIGNED':
      return `${count === 1 ? '1 role grant carries' : `${n(count)} role grants carry`} no administrator's card signature: made outside the administration functions (a demo seeding, a superuser's insert), they should have been signed.`;
    case 'GRANT_BOOTSTRAP_RECORDED':
      return `${count === 1 ? '1 administrator grant was' : `${n(count)} administrator grants were`} made by the DBA at bootstrap, without a card signature, as the chain records (docs/deployment.md).`;
    default:
      return `Problem ${p.code} at event ${n(seq)}.`;
  }
}

/** The writer-authentication warnings (docs/chain-format.md §8.2). */
function writerMeaning(code: string, seq: number): string | null {
  switch (code) {
    case 'EVENT_WRITER_UNSIGNED':
      return `Event ${n(seq)} records a refused login or a session closed because the card was removed: it carries no card signature, so its writer is not authenticated.`;
    case 'EVENT_WRITER_NOT_NAMED':
      return `Event ${n(seq)} was written before events named their writer: its writer is not authenticated.`;
    case 'EVENT_WRITER_BOOTSTRAP':
      return `Event ${n(seq)} was recorded by the DBA when the control plane was set up (its first administrators), without a card signature, before the chain's first checkpoint (docs/deployment.md).`;
    case 'EVENT_WRITER_UNSIGNED_LEGACY':
      return `Event ${n(seq)} records a session closed (logout or lock) before the console signed such records: it carries no card signature, so its writer is not authenticated; the same record written since would be an error.`;
    case 'EVENT_WRITER_CERTS_UNVALIDATED':
      return `No trust anchors are configured: operators' signatures were checked against their enrolled certificates, not against a trusted authority.`;
    default:
      return null;
  }
}
