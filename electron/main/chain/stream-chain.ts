import type pg from 'pg';
import type { ChainStart } from '../../../shared/chain';
import { MerkleFrontier } from '../../../shared/merkle';
import { chainRowsCopySql } from '../controlplane/repos/events';
import { copyChainHashes, copyTupleBlocks, type TupleBlock } from './copy-rows';
import type { DigestPool } from './digest-pool';
import { loadHashKernel, type HashKernel } from '../crypto/blake3';
import { ChainStreamVerifier, type StreamInit, type StreamResult } from './stream-verifier';
import { cancelled, type VerifyOptions } from './verification';
import type { VerifiedCheckpoint } from './checkpoint-series';
import type { ProgressReporter } from './verify-progress';

const BATCH_ROWS = 4096;
/** Bytes per block; a block ends after the tuple that reaches it, so a slot holds that and one event of up to SLOT_BYTES - BATCH_BYTES. */
const BATCH_BYTES = 512 << 10;
const SLOT_BYTES = 1 << 20;
const MAX_IN_FLIGHT = 4;

/** The connection's state the driver needs when something fails: mid-COPY it cannot run anything else. */
export interface CopyState {
  midCopy: boolean;
}

export interface StreamChainInput {
  tenantId: string;
  from: number;
  to: number | null;
  /** Verified checkpoints inside the range: their heads anchor the chain, their roots are recomputed. */
  checkpoints: readonly VerifiedCheckpoint[];
  opts: Pick<VerifyOptions, 'maxIssues' | 'batchRows' | 'pool'>;
  progress: ProgressReporter;
  signal: AbortSignal | undefined;
}

/**
 * Streams the range's rows with binary COPY through ChainStreamVerifier (every digest, link, seq,
 * checkpoint root and head, the tenant each event names): in one DigestPool worker, or on this
 * thread without a pool.
 */
export async function streamChain(
  client: pg.PoolClient,
  input: StreamChainInput,
  state: CopyState,
): Promise<{ streamed: StreamResult; kernel: HashKernel }> {
  const { tenantId, from, to, signal } = input;
  const kernel = await loadHashKernel();
  const init: StreamInit = {
    tenantId,
    start: await rangeStart(client, tenantId, from, kernel, signal),
    checkpoints: input.checkpoints.map((c) => ({ size: c.size, root: c.root, head: c.head })),
    ...(input.opts.maxIssues ? { maxIssues: input.opts.maxIssues } : {}),
  };
  input.progress.phase('events');
  const batchRows = input.opts.batchRows ?? BATCH_ROWS;
  // Blocks are views into one framing buffer (no buffer per block): each is verified, or copied
  // into the worker's ring, before the next is framed.
  const blocks = copyTupleBlocks(client, chainRowsCopySql(tenantId, from, to), 4, batchRows, BATCH_BYTES, true);
  state.midCopy = true;
  const pool = input.opts.pool ?? null;
  const streamed = pool
    ? await inWorker(pool, init, blocks, input)
    : await onThisThread(new ChainStreamVerifier(init, kernel), blocks, input);
  if (signal?.aborted) throw cancelled();
  state.midCopy = false;
  return { streamed, kernel };
}

/**
 * Where the chain starts: the genesis of the tenant, or, for a range that starts later, the stored
 * hash before it and the Merkle frontier resumed from the stored hashes before it.
 */
async function rangeStart(
  client: pg.PoolClient,
  tenantId: string,
  from: number,
  kernel: HashKernel,
  signal: AbortSignal | undefined,
): Promise<ChainStart> {
  if (from === 0) return { tenantId };
  const before = new MerkleFrontier(undefined, kernel.merkle);
  let prev: Buffer | null = null;
  let contiguous = true;
  for await (const rows of copyChainHashes(client, tenantId, from)) {
    if (signal?.aborted) throw cancelled();
    for (const r of rows) {
      if (r.seq !== before.size) contiguous = false;
      before.append(r.hash);
      prev = r.hash;
    }
  }
  const prevOk = prev !== null && prev.length === 32 && contiguous && before.size === from;
  return {
    seq: from,
    prevHash: prevOk ? new Uint8Array(prev!) : new Uint8Array(32),
    ...(prevOk ? { frontier: before.state() } : {}),
  };
}

/** The same per-row code as in a worker, on this thread. */
async function onThisThread(
  sv: ChainStreamVerifier,
  blocks: AsyncIterable<TupleBlock>,
  input: StreamChainInput,
): Promise<StreamResult> {
  for await (const block of blocks) {
    if (input.signal?.aborted) throw cancelled();
    sv.push(block.bytes);
    const p = sv.progress;
    input.progress.events(p.rows, p.bytes, p.lastSeq ?? input.from);
  }
  return sv.finish();
}

/**
 * This thread only moves whole tuples to one worker; the worker's acknowledgements are the
 * progress and the back-pressure (at most MAX_IN_FLIGHT blocks queued).
 */
async function inWorker(
  pool: DigestPool,
  init: StreamInit,
  blocks: AsyncIterable<TupleBlock>,
  input: StreamChainInput,
): Promise<StreamResult> {
  const { signal } = input;
  const stream = pool.open(init, (p) => input.progress.events(p.rows, p.bytes, p.lastSeq ?? input.from), {
    slots: MAX_IN_FLIGHT,
    slotBytes: SLOT_BYTES,
  });
  try {
    for await (const block of blocks) {
      if (signal?.aborted) throw cancelled();
      await stream.below(MAX_IN_FLIGHT);
      if (signal?.aborted) throw cancelled();
      stream.send(block.bytes);
    }
    return await stream.finish();
  } finally {
    stream.drop();
  }
}
