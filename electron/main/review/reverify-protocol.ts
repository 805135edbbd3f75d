import type { ReplayBatchResult, ReplayVersion, VersionProblem } from './decision-replayer';

/** Messages between the re-verification pool (main) and its workers. */
export type ReverifyWorkerRequest =
  | { op: 'init'; versions: ReplayVersion[]; problems: VersionProblem[]; cacheLimit: number; cap: number }
  | {
      op: 'batch';
      id: number;
      /** Per row: seq, event id, whether the type column says policy.decided. */
      rows: { seq: number; eventId: string; column: boolean }[];
      /** Row i's bytes are buffer[offsets[i] .. offsets[i+1]). */
      offsets: Uint32Array;
      buffer: ArrayBuffer;
    };

export type ReverifyWorkerResponse = { id: number; ok: true; result: ReplayBatchResult } | { id: number; ok: false; code: string; message: string };
