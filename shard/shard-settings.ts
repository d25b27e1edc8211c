// The settings that decide what a shards directory holds. They are hashed like core's stage
// configs (KILN_CONFIG_CHANGED on a change, unless --overwrite), so a rerun with another
// --seq-len is refused instead of reported "up to date". Inputs and the output are not settings
// (new inputs make a new generation), nor is `bucketBytes`: it bounds memory only.
import { hashConfig } from '../core/config-hash.js';
import { ConfigChangedError } from '../core/errors.js';
import type { ShardIndex } from '../core/shard-index.js';
import type { ShardConfig } from './config.js';

/** The recorded settings of a shards directory (index.json `settings`), in index key style. */
export type ShardSettings = Record<string, unknown>;

/** The settings of `config` as index.json records them. */
export function shardSettings(config: ShardConfig): ShardSettings {
  return {
    seq_len: config.seqLen,
    seed: config.seed,
    val_fraction: config.valFraction,
    format: config.format,
    eos_id: config.eosId ?? null,
    vocab_size: config.vocabSize ?? null,
    tokenizer: config.tokenizer?.hash ?? null,
    weights: config.weights ?? null,
    shard_bytes: config.shardBytes,
    batch_bytes: config.batchBytes,
    tokens_column: config.tokensColumn,
  };
}

/** The hash index.json and a generation's plan record for `settings`. */
export function settingsHash(settings: ShardSettings): string {
  return hashConfig({ stage: 'shard', settings });
}

/**
 * The settings an existing index was made with. Indexes written before settings were recorded
 * keep what they have (seq_len, seed, val_fraction, format); the rest compare as unknown.
 */
function recordedSettings(prev: ShardIndex): ShardSettings {
  return prev.settings ?? { seq_len: prev.seq_len, seed: prev.seed, val_fraction: prev.val_fraction, format: prev.layout };
}

/** Refuses to add to `out` when its index was made with other settings; names each change. */
export function checkSettings(prev: ShardIndex, next: ShardSettings, out: string): void {
  const old = recordedSettings(prev);
  if (prev.settings && prev.config_hash === settingsHash(next)) return;
  const diffs = Object.keys(old)
    .filter((k) => JSON.stringify(old[k]) !== JSON.stringify(next[k]))
    .map((k) => `${k} ${JSON.stringify(old[k])} -> ${JSON.stringify(next[k])}`);
  if (diffs.length > 0) {
    throw new ConfigChangedError(`shards ${out} were made with other settings (${diffs.join(', ')}); pass --overwrite to replace them, or use another --out`, { path: out });
  }
}
