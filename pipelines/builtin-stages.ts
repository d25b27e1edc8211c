// The built-in stages a pipeline file names (crawl, crawl-archive, dedupe, decontaminate,
// tokenize, shard, train). Each is imported lazily (TensorFlow.js and the tokenizers cost seconds to load, and
// `kiln --help` needs none of them) with a static, typed specifier: a stage that fails to load
// fails the pipeline with that error, it never quietly disappears from the registry.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJsonIfExists, writeFileAtomic } from '../core/atomic-file.js';
import { canonicalJson } from '../core/config-hash.js';
import { readSuccess } from '../core/dataset-manifest.js';
import { isS3Url } from '../core/storage/s3-location.js';
import { openStorage } from '../core/storage/open-storage.js';
import { recordsView } from '../core/storage/staged-stage.js';
import { runStage } from '../core/run-stage.js';
import type { StageDefinition } from '../core/stage.js';
import { defineCompositeStage, type CompositeStage, type CompositeSummary } from './composite-stage.js';
import type { StageState } from './stage-state.js';

function summaryOf(s: { rows: number; bytes: number; stats: Record<string, unknown>; skipped: boolean; stopped: boolean; seconds: number; extra?: Record<string, unknown> }): CompositeSummary {
  const stats: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.stats)) if (typeof v === 'number') stats[k] = v;
  return { rows: s.rows, bytes: s.bytes, stats, skipped: s.skipped, stopped: s.stopped, seconds: s.seconds, extra: s.extra };
}

/** The live crawl: a one-task core stage, wrapped so incremental pipelines can re-crawl its output. */
async function crawl(): Promise<CompositeStage> {
  const m = await import('../crawl/live/index.js');
  const stage = m.liveCrawlStage;
  return defineCompositeStage({
    name: 'crawl',
    config: stage.config,
    run: async (o) => summaryOf(await runStage(stage, { inputs: o.inputs, out: o.out, config: o.config, overwrite: o.overwrite, signal: o.signal, log: o.log, quiet: o.quiet })),
    reopen: m.reopenForRecrawl,
  });
}

/** Dedupe runs in phases (signatures, clusters, filter) through runDedupe. */
async function dedupe(): Promise<CompositeStage> {
  const m = await import('../dedupe/index.js');
  return defineCompositeStage({
    name: 'dedupe',
    config: m.dedupeConfigSchema as z.ZodType,
    run: async (o) => {
      const s = await m.runDedupe({ inputs: o.inputs, out: o.out, config: o.config as Parameters<typeof m.runDedupe>[0]['config'], workers: o.workers, tasks: o.tasks, overwrite: o.overwrite, signal: o.signal, log: o.log, quiet: o.quiet });
      // The kept documents' bytes are those of the output dataset (the dedupe summary counts documents only).
      const bytes = s.stopped ? 0 : ((await readSuccess(await recordsView(o.out)))?.bytes ?? 0);
      return summaryOf({ rows: s.kept, bytes, stats: { documents: s.documents, kept: s.kept, ...s.stats }, skipped: s.skipped, stopped: s.stopped, seconds: s.seconds, extra: s.index ? { index: s.index } : undefined });
    },
    // On Slurm each phase is a plan job, an array and a finalize job (dedupe/dedupe-phases.ts).
    phases: {
      shapes: m.DEDUPE_PHASES.map((name) => ({ name, single: name === 'clusters' })),
      open: async (o) => {
        const run = await m.DedupeRun.open({ inputs: o.inputs, out: o.out, config: o.config as Parameters<typeof m.runDedupe>[0]['config'], memory: m.DEFAULT_DEDUPE_MEMORY, tasks: o.tasks, phaseTasks: o.phaseTasks, overwrite: o.overwrite });
        return run.phases();
      },
    },
  });
}

/** Decontaminate: the run fixes eval fingerprints and the output schema, then runs the core stage. */
async function decontaminate(): Promise<CompositeStage> {
  const m = await import('../dedupe/index.js');
  return defineCompositeStage({
    name: 'decontaminate',
    config: m.decontaminateConfigSchema as z.ZodType,
    run: async (o) => summaryOf(await m.runDecontaminate({ inputs: o.inputs, out: o.out, config: o.config as Parameters<typeof m.runDecontaminate>[0]['config'], workers: o.workers, tasks: o.tasks, overwrite: o.overwrite, signal: o.signal, log: o.log, quiet: o.quiet })),
  });
}

/** Marker the train step writes in its run directory once the configured steps are done. */
const TRAIN_DONE = 'pipeline-train.json';

interface TrainDone {
  config: unknown;
  summary: Record<string, unknown>;
}

/** The run directory's done marker and whether anything is there (a local folder or an s3:// prefix). */
async function trainRunState(out: string): Promise<{ done: TrainDone | undefined; started: boolean }> {
  if (!isS3Url(out)) {
    const done = await readJsonIfExists<TrainDone>(path.join(out, TRAIN_DONE));
    return { done, started: await fs.stat(out).then(() => true, () => false) };
  }
  const s = openStorage(out);
  try {
    const bytes = await s.readAll(TRAIN_DONE);
    const done = bytes ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as TrainDone) : undefined;
    const first = await s.list()[Symbol.asyncIterator]().next();
    return { done, started: !first.done };
  } finally {
    await s.close();
  }
}

/** Writes the done marker after train published its run (on S3 a PUT, visible whole or not at all). */
async function writeTrainDone(out: string, body: string): Promise<void> {
  if (!isS3Url(out)) return writeFileAtomic(path.join(out, TRAIN_DONE), body);
  const s = openStorage(out);
  try {
    await s.write(TRAIN_DONE, body);
  } finally {
    await s.close();
  }
}

/** Train: reads the previous stage's shards, writes checkpoints, metrics and report.html. */
async function train(): Promise<CompositeStage> {
  const m = await import('../train/index.js');
  const schema = m.TrainConfigSchema.omit({ data: true, out: true, resume: true, overwrite: true });
  return defineCompositeStage({
    name: 'train',
    config: schema as z.ZodType,
    state: async (out, config): Promise<StageState> => {
      const { done, started } = await trainRunState(out);
      const condition = done ? (canonicalJson(done.config) === canonicalJson(config) ? 'done' : 'changed') : started ? 'partial' : 'pending';
      return { condition, doneTasks: done ? 1 : 0, taskCount: 1, failedTasks: [], rows: 0, bytes: 0, extra: done?.summary };
    },
    run: async (o) => {
      const { done, started } = await trainRunState(o.out);
      if (done && canonicalJson(done.config) === canonicalJson(o.config) && !o.overwrite) {
        return { rows: 0, bytes: 0, stats: {}, skipped: true, stopped: false, seconds: 0, extra: done.summary };
      }
      const data = o.inputs[0];
      // Shards on s3://: the loader reads the tokenizer from their index.json itself.
      const index = isS3Url(data) ? undefined : await readJsonIfExists<{ tokenizer?: { name: string; hash: string } | null }>(path.join(data, 'index.json')).catch(() => undefined);
      const resume = !o.overwrite && started;
      const summary = (await m.train({ ...(o.config as object), data, out: o.out, resume, overwrite: !!o.overwrite && !resume }, { log: o.log, signal: o.signal, tokenizer: index?.tokenizer ?? null })) as unknown as Record<string, unknown>;
      const stopped = !!o.signal?.aborted;
      if (!stopped) await writeTrainDone(o.out, JSON.stringify({ config: o.config, summary }, null, 1));
      const stats: Record<string, number> = {};
      for (const k of ['steps', 'final_loss', 'val_loss', 'initial_val_loss', 'tokens_per_s', 'params']) if (typeof summary[k] === 'number') stats[k] = summary[k] as number;
      return { rows: 0, bytes: 0, stats, skipped: false, stopped, seconds: Number(summary.seconds ?? 0), extra: summary };
    },
  });
}

/**
 * The tokenize stage with its tokenizer setting checked when the pipeline file is loaded: a
 * typo would otherwise surface only when the stage's first task loads the tokenizer, after
 * every stage before it ran. Paths resolve as at run time (from the working directory, `./`
 * from the pipeline file's folder).
 */
async function tokenize(): Promise<StageDefinition<unknown>> {
  const [{ tokenizeConfigSchema, tokenizeStage }, { unknownTokenizerReason }] = await Promise.all([import('../tokenize/index.js'), import('../tokenize/tokenizer-source.js')]);
  const config = tokenizeConfigSchema.superRefine((c, ctx) => {
    const why = unknownTokenizerReason(c.tokenizer);
    if (why !== undefined) ctx.addIssue({ code: 'custom', path: ['tokenizer'], message: why });
  });
  return { ...tokenizeStage, config } as StageDefinition<unknown>;
}

/** Loaders of the built-in stages, by the name a pipeline file uses. */
const BUILTINS: ReadonlyArray<() => Promise<StageDefinition<unknown> | CompositeStage>> = [
  crawl,
  async () => (await import('../crawl/archive/index.js')).archiveCrawlStage as StageDefinition<unknown>,
  dedupe,
  decontaminate,
  tokenize,
  async () => (await import('../shard/index.js')).shardStage as StageDefinition<unknown>,
  train,
];

/** Every built-in stage; rejects with the import error of one that fails to load. */
export async function loadBuiltinStages(): Promise<Array<StageDefinition<unknown> | CompositeStage>> {
  return Promise.all(BUILTINS.map((load) => load()));
}
