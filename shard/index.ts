export { runShard, type ShardSummary } from './run-shard.js';
export { groupBuckets } from './bucket-store.js';
export { shardConfigSchema, type ShardConfig, type ShardConfigInput } from './config.js';
export { Packer, type PackerState, type RowSink } from './packer.js';
export { ArrowShardWriter, shardSchema } from './arrow-shard-writer.js';
export { verifyShards } from './verify-shards.js';
export { readShardIndexFile } from './shard-index-file.js';
export { splitOf, copiesOf, bucketOf } from './split-assignment.js';
export { shardStage, shardStageConfigSchema, type ShardStageConfig } from './stage.js';
