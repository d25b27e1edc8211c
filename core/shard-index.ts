// The shards index (DESIGN.md, "Shards") is the contract between the shard stage, which writes
// it, and the loader in train/, which reads it; stages never import each other, so it lives here.
import { z } from 'zod';
import { CorruptPartError } from './errors.js';

/** Version of index.json this code writes; readers refuse newer ones. */
export const SHARD_INDEX_VERSION = 1;
/** File name of the index inside a shards directory. */
export const SHARD_INDEX_FILE = 'index.json';

/** One Arrow record batch of a shard: where its token values start in the file. */
export const shardBatchSchema = z.object({
  /** Absolute file offset of the FixedSizeList child values buffer (little-endian dtype). */
  offset: z.number().int().nonnegative(),
  rows: z.number().int().positive(),
  /** xxh64 of the `rows * row_length` token values, so a reader can verify each range it reads. */
  checksum: z.string(),
});
export type ShardBatch = z.infer<typeof shardBatchSchema>;

/** One shard file of a split. */
export const shardEntrySchema = z.object({
  file: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a file name inside the shards directory'),
  generation: z.number().int().nonnegative(),
  sequences: z.number().int().nonnegative(),
  /** Training tokens: sequences * seq_len (each row also repeats one token as its target). */
  tokens: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** xxh64 of the whole file. */
  checksum: z.string(),
  /** Arrow shards only: the record batches, in file order. */
  batches: z.array(shardBatchSchema).optional(),
  /** Arrow shards only: the lineage file naming the documents this shard holds (see shard-lineage.ts). */
  lineage: z.object({ file: z.string().regex(/^[A-Za-z0-9._-]+$/), documents: z.number().int().nonnegative(), checksum: z.string() }).optional(),
});
export type ShardEntry = z.infer<typeof shardEntrySchema>;

export const shardSplitSchema = z.object({
  sequences: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  documents: z.number().int().nonnegative(),
  /** EOS tokens appended to fill the last row of each generation. */
  pad_tokens: z.number().int().nonnegative(),
  shards: z.array(shardEntrySchema),
});
export type ShardSplit = z.infer<typeof shardSplitSchema>;

export const shardGenerationSchema = z.object({
  generation: z.number().int().nonnegative(),
  created_at: z.string(),
  inputs: z.array(z.object({ path: z.string(), bytes: z.number(), weight: z.number() })),
  documents: z.number().int().nonnegative(),
  /** Shard file names this generation added, per split. */
  files: z.object({ train: z.array(z.string()), val: z.array(z.string()) }),
  /** A takedown generation: which shards it rebuilt (old file -> new file) and how many documents it removed. */
  takedown: z.object({ id: z.string(), removed: z.number().int().nonnegative(), replaced: z.record(z.string(), z.string()), reason: z.string().optional() }).optional(),
});
export type ShardGeneration = z.infer<typeof shardGenerationSchema>;

export const shardIndexSchema = z.object({
  format: z.literal('kiln-shards'),
  version: z.number().int().positive(),
  layout: z.enum(['arrow', 'megatron', 'nanogpt']),
  seq_len: z.number().int().positive(),
  /** seq_len + 1: each row is an input/target pair. */
  row_length: z.number().int().positive(),
  dtype: z.enum(['uint16', 'uint32']),
  vocab_size: z.number().int().positive(),
  eos_id: z.number().int().nonnegative(),
  tokenizer: z.object({ name: z.string(), hash: z.string() }).nullable(),
  seed: z.number().int(),
  val_fraction: z.number().min(0).max(1),
  splits: z.object({ train: shardSplitSchema, val: shardSplitSchema }),
  generations: z.array(shardGenerationSchema),
  /** The shard settings every generation shares (shard/shard-settings.ts); absent in older indexes. */
  settings: z.record(z.string(), z.unknown()).optional(),
  /** Hash of `settings`: a rerun with other settings is refused unless --overwrite. */
  config_hash: z.string().optional(),
});
export type ShardIndex = z.infer<typeof shardIndexSchema>;
export type SplitName = 'train' | 'val';

/** Bytes per stored token for a dtype. */
export function dtypeBytes(dtype: ShardIndex['dtype']): 2 | 4 {
  return dtype === 'uint16' ? 2 : 4;
}

/** Parses and validates index.json text; errors name the file. */
export function parseShardIndex(text: string, file: string): ShardIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CorruptPartError(`${file} is not valid JSON (${(err as Error).message})`, { path: file });
  }
  const parsed = shardIndexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorruptPartError(`${file} is not a kiln shards index: ${issue.path.join('.')}: ${issue.message}`, { path: file, key: issue.path.join('.') });
  }
  if (parsed.data.version > SHARD_INDEX_VERSION) {
    throw new CorruptPartError(`${file} has index version ${parsed.data.version}; this kiln reads up to ${SHARD_INDEX_VERSION}`, { path: file });
  }
  return parsed.data;
}

