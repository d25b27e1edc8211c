// The shard stage's kiln dataset: one inline task that runs `runShard` over all the stage's
// inputs. `runStage(shardStage)` alone is the one-shot run; a pipeline runs shard as its phases
// (scatter, pack: shard-phases.ts, pipelines/builtin-stages.ts) and then this task, which finds
// every phase's work committed, publishes index.json and records the counts. With `appendTo`
// (set by incremental pipelines) every generation appends to one shards directory there.
import { z } from 'zod';
import { defineStage } from '../core/stage.js';
import { shardConfigSchema } from './config.js';
import { runShard } from './run-shard.js';

/** Stage config: everything of `kiln shard` but the inputs and output, which the runner gives. */
export const shardStageConfigSchema = shardConfigSchema.omit({ inputs: true, out: true }).extend({
  /** Shards directory shared by all generations; default: the stage's own output directory. */
  appendTo: z.string().optional(),
});
export type ShardStageConfig = z.output<typeof shardStageConfigSchema>;

/** `shard` as a pipeline stage (inputs and output come from the pipeline runner). */
export const shardStage = defineStage<ShardStageConfig>({
  name: 'shard',
  module: import.meta.url,
  config: shardStageConfigSchema as unknown as z.ZodType<ShardStageConfig>,
  columns: () => [],
  inline: true,
  plan: async (ctx) => [{ index: 0, inputs: [], dirs: [...ctx.inputs] }],
  runTask: async (ctx) => {
    const { appendTo, ...config } = ctx.config;
    const summary = await runShard({ ...config, inputs: ctx.task.dirs as string[], out: appendTo ?? ctx.out }, { log: ctx.log, signal: ctx.signal });
    for (const split of ['train', 'val'] as const) {
      ctx.stats.inc(`documents_${split}`, summary.documents[split]);
      ctx.stats.inc(`sequences_${split}`, summary.sequences[split]);
      ctx.stats.inc(`tokens_${split}`, summary.tokens[split]);
      ctx.stats.inc(`shards_${split}`, summary.shards[split]);
    }
    ctx.stats.inc('dropped_empty', summary.emptyDocuments);
  },
});
