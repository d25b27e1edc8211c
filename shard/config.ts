import { z } from 'zod';

const MiB = 1024 * 1024;
/**
 * Longest sequence `shard` writes: 128 Ki tokens, the longest context of current open models.
 * Beyond it a row (seq_len + 1 tokens) no longer fits the loader's record batches sensibly, and
 * no model kiln trains could attend over it (train checks the memory a length needs).
 */
export const MAX_SEQ_LEN = 128 * 1024;

/** Config of `kiln shard` / `runShard`; the schema is the documentation of the defaults. */
export const shardConfigSchema = z.object({
  /** Token datasets (dirs, files or globs); each is one component of the mixture. */
  inputs: z.array(z.string().min(1)).min(1),
  out: z.string().min(1),
  seqLen: z.number().int().min(1).max(MAX_SEQ_LEN),
  /** EOS id put after every document; default: the tokenizer's own. */
  eosId: z.number().int().nonnegative().optional(),
  /** Vocabulary size; default: the tokenizer's; decides uint16 (<= 65536) or uint32. */
  vocabSize: z.number().int().positive().optional(),
  tokenizer: z.object({ name: z.string(), hash: z.string() }).nullable().optional(),
  /** Below 1: a split that holds every document leaves nothing to train on. */
  valFraction: z.number().min(0).lt(1).default(0.005),
  seed: z.number().int().default(0),
  /** One weight per input: 2 = every document twice, 0.5 = a seeded half of them. */
  weights: z.array(z.number().nonnegative()).optional(),
  /** Target shard size; shards close at the first document boundary past it. */
  shardBytes: z.number().int().min(4096).default(128 * MiB),
  /** Target Arrow record batch size (DESIGN: 1-8 MiB). */
  batchBytes: z.number().int().min(1024).default(4 * MiB),
  /** Memory bound of the shuffle: the most token bytes held in memory at once while packing. */
  bucketBytes: z.number().int().min(4096).default(256 * MiB),
  format: z.enum(['arrow', 'megatron', 'nanogpt']).default('arrow'),
  /** Input column holding the token ids. */
  tokensColumn: z.string().default('tokens'),
});
export type ShardConfigInput = z.input<typeof shardConfigSchema>;
export type ShardConfig = z.output<typeof shardConfigSchema>;
