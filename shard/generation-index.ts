// The next index.json: the previous generations' shards unchanged, this generation's appended,
// split totals recomputed. Published atomically by the caller.
import { SHARD_INDEX_VERSION, type ShardEntry, type ShardIndex, type SplitName } from '../core/shard-index.js';
import type { ShardConfig } from './config.js';
import type { ScatterResult } from './scatter.js';

/** The number after the highest Arrow shard number in `shards` (0 for none). */
export function nextShardNumber(shards: readonly ShardEntry[]): number {
  let next = 0;
  for (const s of shards) {
    const m = /-(\d{5})\.arrow$/.exec(s.file);
    if (m) next = Math.max(next, Number(m[1]) + 1);
  }
  return next;
}

/** What a finished generation adds to the index. */
export interface IndexParts {
  config: ShardConfig;
  generation: number;
  dtype: 'uint16' | 'uint32';
  vocabSize: number;
  eosId: number;
  tokenizer: { name: string; hash: string } | null;
  newShards: Record<SplitName, ShardEntry[]>;
  padTokens: Record<SplitName, number>;
  scattered: ScatterResult;
  files: Array<{ path: string; bytes: number; weight: number }>;
  /** The shard settings and their hash (shard-settings.ts). */
  settings: Record<string, unknown>;
  configHash: string;
}

/** The index after generation `p.generation`: the previous one plus this generation's shards. */
export function buildIndex(prev: ShardIndex | undefined, p: IndexParts): ShardIndex {
  const split = (name: SplitName): ShardIndex['splits']['train'] => {
    const old = prev?.splits[name];
    const shards = [...(old?.shards ?? []), ...p.newShards[name]];
    return {
      sequences: shards.reduce((a, s) => a + s.sequences, 0),
      tokens: shards.reduce((a, s) => a + s.tokens, 0),
      documents: (old?.documents ?? 0) + p.scattered.copies[name],
      pad_tokens: (old?.pad_tokens ?? 0) + p.padTokens[name],
      shards,
    };
  };
  return {
    format: 'kiln-shards',
    version: SHARD_INDEX_VERSION,
    layout: p.config.format,
    seq_len: p.config.seqLen,
    row_length: p.config.seqLen + 1,
    dtype: p.dtype,
    vocab_size: p.vocabSize,
    eos_id: p.eosId,
    tokenizer: p.tokenizer,
    seed: prev?.seed ?? p.config.seed,
    val_fraction: p.config.valFraction,
    splits: { train: split('train'), val: split('val') },
    generations: [
      ...(prev?.generations ?? []),
      {
        generation: p.generation,
        created_at: new Date().toISOString(),
        inputs: p.files.map((f) => ({ path: f.path, bytes: f.bytes, weight: f.weight })),
        documents: p.scattered.documents.train + p.scattered.documents.val,
        files: { train: p.newShards.train.map((s) => s.file), val: p.newShards.val.map((s) => s.file) },
      },
    ],
    settings: p.settings,
    config_hash: p.configHash,
  };
}
