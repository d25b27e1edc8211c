// Phase 5: the filter. Reads each input file again and writes the kept documents, all columns,
// as the output dataset's parts (core's commit protocol: resumable per chunk).
import { z } from 'zod';
import { readJsonIfExists } from '../core/atomic-file.js';
import { columnSpecSchema } from '../core/columns.js';
import { CorruptPartError } from '../core/errors.js';
import { readInputRows } from '../core/input-files.js';
import { defineStage } from '../core/stage.js';
import { DROP_EXACT, DROP_NEAR, isKept } from './clusters.js';
import { dedupeConfigSchema } from './config.js';
import { conformRow, type OutputColumn } from './input-schema.js';
import { planSignatureTasks, type SignatureTaskPlan } from './signature-stage.js';
import { readSlice, statePaths, type LayoutFile } from './state-files.js';

/** The dedupe stage's config: what decides survival, plus the output schema. */
export const dedupeStageConfigSchema = dedupeConfigSchema.extend({
  columns: z.array(columnSpecSchema.extend({ json: z.boolean().optional() })),
});
export type DedupeStageConfig = z.infer<typeof dedupeStageConfigSchema>;

interface FilterCursor {
  file: number;
  row: number;
}

/** Loads the run's layout (written once the signatures are complete). */
export async function loadLayout(out: string): Promise<LayoutFile> {
  const file = statePaths(out).layout;
  const l = await readJsonIfExists<LayoutFile>(file);
  if (!l) throw new CorruptPartError(`dedupe state is missing ${file}; run dedupe through runDedupe (kiln dedupe), not the filter stage alone`, { path: file });
  return l;
}

/** The user-facing dedupe stage (its output is the kept documents); runDedupe runs it last. */
export const dedupeStage = defineStage<DedupeStageConfig>({
  name: 'dedupe',
  module: import.meta.url,
  config: dedupeStageConfigSchema,
  columns: (c) => c.columns.map(({ name, type, nullable }) => ({ name, type, nullable })),
  plan: (ctx) => planSignatureTasks(ctx.inputs, ctx.tasks),
  async runTask(ctx) {
    const task = ctx.task as SignatureTaskPlan;
    const paths = statePaths(ctx.out);
    const lay = await loadLayout(ctx.out);
    const columns = ctx.config.columns as OutputColumn[];
    const start = (ctx.writer.cursor as FilterCursor | undefined) ?? { file: 0, row: 0 };
    for (let f = start.file; f < task.inputs.length; f++) {
      const fi = task.fileIndexes[f];
      // Only this file's decisions are read: 1 byte per document of the file.
      const decisions = readSlice(paths.decisions, lay.starts[fi], lay.rows[fi], 1);
      let row = f === start.file ? start.row : 0;
      for await (const r of readInputRows(task.inputs[f], { fromRow: row })) {
        if (ctx.writer.shouldCommit() || ctx.signal.aborted) {
          await ctx.writer.commit({ file: f, row } satisfies FilterCursor);
          if (ctx.signal.aborted) return;
        }
        if (row >= decisions.length) throw new CorruptPartError(`${task.inputs[f].path} has more rows than when its signatures were computed (changed during the run?)`, { path: task.inputs[f].path, record: row });
        const d = decisions[row];
        if (isKept(d)) {
          ctx.writer.push(conformRow(columns, r));
          ctx.stats.inc('kept');
        } else ctx.stats.inc(d === DROP_EXACT ? 'dropped_exact' : d === DROP_NEAR ? 'dropped_near' : 'dropped_unknown');
        row++;
        ctx.progress(1, typeof r.text === 'string' ? r.text.length : 0);
      }
      await ctx.writer.commit({ file: f + 1, row: 0 } satisfies FilterCursor);
    }
  },
  async finalize(ctx) {
    return (await readJsonIfExists<Record<string, unknown>>(statePaths(ctx.out).clusterStats)) ?? {};
  },
});
