import { z } from 'zod';

/** One batch: `batchSize` rows of `rowLength` = seq_len + 1 tokens, row-major (inputs = row[:-1], targets = row[1:]). */
export interface Batch {
  tokens: Int32Array;
  batchSize: number;
  rowLength: number;
}

/** Where a loader stands; JSON, so it goes into checkpoints; resumes exactly. */
export const loaderStateSchema = z.object({
  version: z.literal(1),
  split: z.enum(['train', 'val']),
  seed: z.number().int(),
  epoch: z.number().int().nonnegative(),
  rank: z.number().int().nonnegative(),
  worldSize: z.number().int().positive(),
  /** Index generations the epoch covers (a newer index may have more; they join next epoch). */
  generations: z.number().int().nonnegative(),
  /** Rows of this rank's slice already handed out. */
  position: z.number().int().nonnegative(),
  batches: z.number().int().nonnegative(),
  /** Identity of the shards the epoch covers (their files and checksums): a takedown that rebuilt one changes it, and the state no longer resumes. */
  data: z.string().optional(),
});
export type LoaderState = z.infer<typeof loaderStateSchema>;

/** Options of `createLoader`; the schema documents the defaults. */
export const loaderOptionsSchema = z.object({
  /** Shards dir, index.json path, or http(s) or s3:// URL of either. */
  index: z.string().min(1),
  batchSize: z.number().int().positive(),
  split: z.enum(['train', 'val']).default('train'),
  rank: z.number().int().nonnegative().default(0),
  worldSize: z.number().int().positive().default(1),
  seed: z.number().int().default(0),
  epoch: z.number().int().nonnegative().default(0),
  state: loaderStateSchema.optional(),
  /** Batches decoded ahead of the consumer (memory: prefetch x batch bytes, plus two chunks). */
  prefetch: z.number().int().positive().default(8),
  /** Drop the last, short batch of the epoch instead of handing it out. */
  dropLast: z.boolean().default(false),
  /** Verify each record batch's checksum as it is read. */
  verify: z.boolean().default(true),
  /** HTTP(S) and S3 attempts after the first, with exponential backoff from `backoffMs`. */
  retries: z.number().int().nonnegative().default(4),
  backoffMs: z.number().nonnegative().default(200),
});
export type LoaderOptions = z.input<typeof loaderOptionsSchema>;

/** Cumulative counters of one loader. */
export interface LoaderCounters {
  batches: number;
  /** Training tokens handed out: rows x seq_len. */
  tokens: number;
  /** Milliseconds `next()` callers spent waiting for a batch that was not ready. */
  waitMs: number;
  bytesRead: number;
}

/** A streaming batch source over a shards index. */
export interface Loader {
  readonly seqLen: number;
  readonly vocabSize: number;
  readonly eosId: number | undefined;
  /** The tokenizer index.json names (name + hash), or null; read over HTTP too, so checkpoints record it. */
  readonly tokenizer: { name: string; hash: string } | null;
  /** The next batch, or null at the end of the epoch. */
  next(): Promise<Batch | null>;
  /**
   * Hands a batch's memory back for a later batch once the caller is done with it (optional).
   * Its `tokens` are detached (length 0) from then on. Without it every batch is a fresh array,
   * and fresh memory costs more than filling it (page faults; bench/RESULTS.md, loader).
   */
  release(batch: Batch): void;
  /** Resume point after the last batch `next()` returned. */
  state(): LoaderState;
  counters(): LoaderCounters;
  close(): Promise<void>;
  /** `for await (const batch of loader)`: the rest of the epoch, then the loader closes. */
  [Symbol.asyncIterator](): AsyncGenerator<Batch>;
}
