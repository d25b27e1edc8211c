import type { MessagePort } from 'node:worker_threads';
import type { ShardIndex, SplitName } from '../../core/shard-index.js';

/** What the loader's main side sends its worker first. */
export interface WorkerStart {
  type: 'start';
  index: ShardIndex;
  /** Path or URL of each shard of the split, in index order. */
  locations: string[];
  split: SplitName;
  seed: number;
  epoch: number;
  rank: number;
  worldSize: number;
  generations: number;
  position: number;
  batchSize: number;
  dropLast: boolean;
  verify: boolean;
  retries: number;
  backoffMs: number;
  /** Where batches, the end and errors go (set by the main side). */
  port?: MessagePort;
}

/** `recycle`: a batch's buffer the consumer released (Loader.release), for a later batch. */
export type ToWorker = WorkerStart | { type: 'credit'; n: number } | { type: 'recycle'; buffer: ArrayBuffer } | { type: 'stop' };

export type FromWorker =
  | { type: 'batch'; tokens: Int32Array; rows: number; position: number; bytesRead: number }
  | { type: 'end'; bytesRead: number }
  | { type: 'error'; code: string; message: string; path?: string };
