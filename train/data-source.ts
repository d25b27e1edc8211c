import { createLoader, type Batch, type LoaderState } from './loader/index.js';

export type { Batch };

/** What the trainer needs of a loader (train/loader's Loader satisfies it). */
export interface BatchSource {
  readonly seqLen: number;
  readonly vocabSize: number;
  readonly eosId: number | undefined;
  /** The shards' tokenizer (name + hash) when the index names one; checkpoints record it. */
  readonly tokenizer?: { name: string; hash: string } | null;
  /** The next batch, or null at the end of the epoch. */
  next(): Promise<Batch | null>;
  /** JSON state that reopens the source right after the last batch `next` returned. */
  state(): unknown;
  close(): Promise<void>;
}

/** Which part of the data to open, and where in it to continue. */
export interface SourceRequest {
  split: 'train' | 'val';
  batchSize: number;
  seed: number;
  epoch: number;
  state?: unknown;
}

/** Opens a batch source; the trainer reopens one per epoch and per evaluation. */
export type OpenSource = (req: SourceRequest) => Promise<BatchSource>;

/** Opens sources on a shards directory or URL through the streaming loader. */
export function shardSource(index: string): OpenSource {
  return (req) =>
    createLoader({
      index,
      batchSize: req.batchSize,
      split: req.split,
      rank: 0,
      worldSize: 1,
      seed: req.seed,
      epoch: req.epoch,
      state: req.state as LoaderState | undefined,
    });
}
