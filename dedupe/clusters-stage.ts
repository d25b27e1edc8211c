// `--clusters DIR`: for inspection, every document that belongs to a cluster of two or more
// (or matched the index) with its cluster (the dense input position of the cluster's survivor),
// whether it was kept, and why not. Documents with no duplicate are left out: they are the bulk
// of any corpus and say nothing about the clustering.
import { z } from 'zod';
import { readInputRows } from '../core/input-files.js';
import { defineStage } from '../core/stage.js';
import { DROP_EXACT, DROP_NEAR, KEEP, KEEP_CLUSTER } from './clusters.js';
import { loadLayout } from './dedupe-stage.js';
import { planSignatureTasks, type SignatureTaskPlan } from './signature-stage.js';
import { readSlice, statePaths } from './state-files.js';

const clustersConfigSchema = z.object({
  /** The dedupe output whose state holds the decisions. */
  dedupeOut: z.string(),
  configHash: z.string(),
});

interface Cursor {
  file: number;
  row: number;
}

const REASONS: Record<number, string> = { [KEEP_CLUSTER]: 'kept', [DROP_EXACT]: 'exact', [DROP_NEAR]: 'near' };

/** Writes the cluster membership of a finished dedupe run's documents. */
export const clustersStage = defineStage<z.infer<typeof clustersConfigSchema>>({
  name: 'dedupe-clusters',
  module: import.meta.url,
  config: clustersConfigSchema,
  columns: () => [
    { name: 'id', type: 'string' },
    { name: 'cluster', type: 'int64' },
    { name: 'kept', type: 'bool' },
    { name: 'reason', type: 'string' },
  ],
  plan: (ctx) => planSignatureTasks(ctx.inputs, ctx.tasks),
  async runTask(ctx) {
    const task = ctx.task as SignatureTaskPlan;
    const paths = statePaths(ctx.config.dedupeOut);
    const lay = await loadLayout(ctx.config.dedupeOut);
    const start = (ctx.writer.cursor as Cursor | undefined) ?? { file: 0, row: 0 };
    for (let f = start.file; f < task.inputs.length; f++) {
      const fi = task.fileIndexes[f];
      const decisions = readSlice(paths.decisions, lay.starts[fi], lay.rows[fi], 1);
      const rootBytes = readSlice(paths.roots, lay.starts[fi], lay.rows[fi], 4);
      const roots = new Int32Array(rootBytes.buffer, 0, lay.rows[fi]);
      let row = f === start.file ? start.row : 0;
      for await (const r of readInputRows(task.inputs[f], { fromRow: row, columns: ['id'] })) {
        if (ctx.writer.shouldCommit() || ctx.signal.aborted) {
          await ctx.writer.commit({ file: f, row } satisfies Cursor);
          if (ctx.signal.aborted) return;
        }
        const d = decisions[row];
        if (d !== KEEP) {
          ctx.writer.push({ id: String(r.id), cluster: roots[row], kept: d === KEEP_CLUSTER, reason: REASONS[d] ?? 'unknown' });
          ctx.stats.inc(d === KEEP_CLUSTER ? 'clusters' : 'members');
        }
        row++;
      }
      await ctx.writer.commit({ file: f + 1, row: 0 } satisfies Cursor);
    }
  },
});
