// Dedupe's buckets phase as a core stage (no parts: its output is sorted band runs,
// band-runs.ts): one task per band range, each reading every signature file's records and
// keeping the slice of its bands, as datatrove's MinHash buckets step does per band. Tasks commit
// through core's protocol after each chunk (cursor = chunks written, next document), so a
// repeated task does nothing and a killed one redoes at most the chunk it was writing.
import { z } from 'zod';
import { defineStage, type TaskPlan } from '../core/stage.js';
import { bandRangeDir, bandRanges, stepCount, writeBandRuns, type BandRange } from './band-runs.js';
import { loadLayout } from './dedupe-stage.js';
import { makeLayout, signaturePath } from './signature-file.js';
import { statePaths } from './state-files.js';

export const bucketConfigSchema = z.object({
  /** The dedupe output whose state holds the signatures and layout.json. */
  dedupeOut: z.string(),
  /** LSH bands (0 when exact only) and minima per band. */
  bands: z.number().int().min(0),
  rows: z.number().int().min(1),
  /** The run's --memory (fixed in run.json at plan time, so every task chunks alike). */
  memory: z.number().positive(),
});

export type BucketConfig = z.infer<typeof bucketConfigSchema>;

/** A bucket task: band range `index`, steps [from, to) (0 = exact hash, 1 + b = band b). */
export interface BucketTaskPlan extends TaskPlan, BandRange {}

interface BucketCursor {
  chunks: number;
  doc: number;
}

/** The band ranges of a run: `tasks` of them (default: one per step), at most one per step. */
export function planBucketTasks(config: BucketConfig, tasks?: number): BucketTaskPlan[] {
  const steps = stepCount(config.bands > 0 ? { bands: config.bands, rows: config.rows } : null);
  return bandRanges(steps, tasks ?? steps).map((r) => ({ ...r, inputs: [] }));
}

/** The buckets phase's stage: its input is the (finished) signatures dataset. */
export const bucketStage = defineStage<BucketConfig>({
  name: 'dedupe-buckets',
  module: import.meta.url,
  config: bucketConfigSchema,
  columns: () => [],
  plan: async (ctx) => planBucketTasks(ctx.config, ctx.tasks),
  async runTask(ctx) {
    const task = ctx.task as BucketTaskPlan;
    const { dedupeOut, bands, rows, memory } = ctx.config;
    const paths = statePaths(dedupeOut);
    const lay = await loadLayout(dedupeOut);
    const layout = makeLayout(lay.rows.map((_, i) => signaturePath(paths.signatures, i)), lay.rows);
    const start = (ctx.writer.cursor as BucketCursor | undefined) ?? { chunks: 0, doc: 0 };
    let progressed = start.doc;
    await writeBandRuns({
      dir: bandRangeDir(ctx.out, task.index),
      layout,
      lsh: bands > 0 ? { bands, rows } : null,
      from: task.from,
      to: task.to,
      memoryBytes: memory,
      startChunk: start.chunks,
      startDoc: start.doc,
      onChunk: async (chunks, doc) => {
        ctx.progress(doc - progressed);
        progressed = doc;
        await ctx.writer.commit({ chunks, doc } satisfies BucketCursor);
      },
      signal: ctx.signal,
      log: ctx.log,
    });
  },
});
