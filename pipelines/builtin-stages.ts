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
import { prepareStage } from '../core/run-stage.js';
import { phaseOfStage, stagePhasesOf } from '../core/stage-phases.js';
import { isS3Url } from '../core/storage/s3-location.js';
import { openStorage } from '../core/storage/open-storage.js';
import type { StageDefinition } from '../core/stage.js';
import { definePhasedStage, phasedOf, type PhasedStage } from './phased-stage.js';
import type { StageState } from './stage-state.js';

/**
 * The live crawl: one core stage, with a reopen so incremental pipelines can re-crawl its output.
 * One task unless the entry sets `tasks:` (then its hosts are split by hash), on every executor.
 */
async function crawl(): Promise<PhasedStage> {
  const m = await import('../crawl/live/index.js');
  const phased = phasedOf(m.liveCrawlStage as StageDefinition<unknown>);
  return { ...phased, shapes: phased.shapes.map((s) => ({ ...s, defaultTasks: 1 })), name: 'crawl', reopen: m.reopenForRecrawl };
}

/** Dedupe's phases (signatures, clusters, filter; dedupe/dedupe-phases.ts). */
async function dedupe(): Promise<PhasedStage> {
  const m = await import('../dedupe/index.js');
  return definePhasedStage({
    name: 'dedupe',
    config: m.dedupeConfigSchema as z.ZodType,
    shapes: m.DEDUPE_PHASES.map((name) => ({ name, single: name === 'clusters' })),
    open: async (o) => {
      const run = await m.DedupeRun.open({ inputs: o.inputs, out: o.out, config: o.config as Parameters<typeof m.runDedupe>[0]['config'], memory: m.DEFAULT_DEDUPE_MEMORY, tasks: o.tasks, phaseTasks: o.phaseTasks, overwrite: o.overwrite });
      return run.phases();
    },
  });
}

/** Decontaminate: one phase of the core stage, its config fixed first (eval fingerprints, output schema). */
async function decontaminate(): Promise<PhasedStage> {
  const m = await import('../dedupe/index.js');
  return definePhasedStage({
    name: 'decontaminate',
    config: m.decontaminateConfigSchema as z.ZodType,
    shapes: [{ name: 'tasks', selfPlanning: true }],
    open: async (o) => {
      const { out, config } = await m.decontaminateRunConfig({ inputs: o.inputs, out: o.out, config: o.config as Parameters<typeof m.runDecontaminate>[0]['config'], overwrite: o.overwrite, log: o.log });
      return stagePhasesOf(m.decontaminateStage, { inputs: o.inputs, out, config, tasks: o.phaseTasks?.tasks ?? o.tasks, overwrite: o.overwrite });
    },
  });
}

/**
 * Shard's phases (shard/shard-phases.ts: scatter, pack) around the stage's own kiln dataset: the
 * scatter plan writes its manifest first (a changed config fails before any work), and the pack
 * finalize runs the shard stage's one inline task, which finds every scatter and pack task
 * committed, publishes index.json and records the counts in SUCCESS.json.
 */
async function shard(): Promise<PhasedStage> {
  const m = await import('../shard/index.js');
  type Config = z.output<typeof m.shardStageConfigSchema>;
  const stage = m.shardStage as StageDefinition<unknown>;
  return definePhasedStage({
    name: 'shard',
    config: m.shardStageConfigSchema as z.ZodType,
    shapes: m.SHARD_PHASES.map((name) => ({ name })),
    open: async (o) => {
      const { appendTo, ...config } = o.config as Config;
      const dataset = { inputs: o.inputs, out: o.out, config: o.config, tasks: 1, overwrite: o.overwrite };
      const run = m.ShardRun.open({ ...config, inputs: [...o.inputs], out: appendTo ?? o.out }, { log: o.log, overwrite: o.overwrite, tasks: o.tasks, phaseTasks: o.phaseTasks });
      const [scatter, pack] = run.phases().phases;
      const publish = phaseOfStage('publish', stage, { ...dataset, overwrite: false });
      const done = async (): Promise<boolean> => (await readSuccess(o.out)) !== undefined;
      return {
        stage: 'shard',
        phases: [
          {
            ...scatter,
            plan: async (ctx) => {
              await prepareStage(stage, { ...dataset, log: ctx.log });
              return (await done()) ? 0 : scatter.plan(ctx);
            },
          },
          {
            ...pack,
            plan: async (ctx) => ((await done()) ? 0 : pack.plan(ctx)),
            finalize: (ctx) => publish.finalize!(ctx),
          },
        ],
      };
    },
  });
}

/** Marker the train step writes in its run directory once the configured steps are done. */
const TRAIN_DONE = 'pipeline-train.json';

interface TrainDone {
  config: unknown;
  summary: Record<string, unknown>;
  finishedAt?: string;
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

/** Train: one phase of one task (one GPU process): reads the previous stage's shards, writes checkpoints, metrics and report.html. */
async function train(): Promise<PhasedStage> {
  const m = await import('../train/index.js');
  const schema = m.TrainConfigSchema.omit({ data: true, out: true, resume: true, overwrite: true });
  const finished = async (out: string, config: unknown): Promise<TrainDone | undefined> => {
    const done = await readJsonIfExists<TrainDone>(path.join(out, TRAIN_DONE));
    return done && canonicalJson(done.config) === canonicalJson(config) ? done : undefined;
  };
  return definePhasedStage({
    name: 'train',
    config: schema as z.ZodType,
    // Its plan only reads the done marker: the one task plans it, no plan job.
    shapes: [{ name: 'train', single: true, selfPlanning: true }],
    state: async (out, config): Promise<StageState> => {
      const { done, started } = await trainRunState(out);
      const condition = done ? (canonicalJson(done.config) === canonicalJson(config) ? 'done' : 'changed') : started ? 'partial' : 'pending';
      return { condition, doneTasks: done ? 1 : 0, taskCount: 1, failedTasks: [], rows: 0, bytes: 0, extra: done?.summary };
    },
    outcome: async (out, config) => {
      const done = await finished(out, config);
      if (!done) return undefined;
      const stats: Record<string, number> = {};
      for (const k of ['steps', 'final_loss', 'val_loss', 'initial_val_loss', 'tokens_per_s', 'params']) if (typeof done.summary[k] === 'number') stats[k] = done.summary[k] as number;
      return { rows: 0, bytes: 0, stats, extra: done.summary, finishedAt: done.finishedAt };
    },
    open: async (o) => ({
      stage: 'train',
      phases: [
        {
          name: 'train',
          single: true,
          // --overwrite retrains even when the marker says done.
          plan: async () => (!o.overwrite && (await finished(o.out, o.config)) ? 0 : 1),
          runTasks: async (indices, ctx) => {
            if (!indices.includes(0) || (!o.overwrite && (await finished(o.out, o.config)))) return { stopped: false };
            const data = o.inputs[0];
            const index = await readJsonIfExists<{ tokenizer?: { name: string; hash: string } | null }>(path.join(data, 'index.json')).catch(() => undefined);
            const resume = !o.overwrite && (await fs.stat(o.out).then(() => true, () => false));
            const summary = (await m.train({ ...(o.config as object), data, out: o.out, resume, overwrite: !!o.overwrite && !resume }, { log: ctx.log, signal: ctx.signal, tokenizer: index?.tokenizer ?? null })) as unknown as Record<string, unknown>;
            if (ctx.signal?.aborted) return { stopped: true };
            await writeFileAtomic(path.join(o.out, TRAIN_DONE), JSON.stringify({ config: o.config, summary, finishedAt: new Date().toISOString() } satisfies TrainDone, null, 1));
            return { stopped: false };
          },
        },
      ],
    }),
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
const BUILTINS: ReadonlyArray<() => Promise<PhasedStage>> = [
  crawl,
  async () => phasedOf((await import('../crawl/archive/index.js')).archiveCrawlStage as StageDefinition<unknown>),
  dedupe,
  decontaminate,
  async () => phasedOf(await tokenize()),
  shard,
  train,
];

/** Every built-in stage, each as phases; rejects with the import error of one that fails to load. */
export async function loadBuiltinStages(): Promise<PhasedStage[]> {
  return Promise.all(BUILTINS.map((load) => load()));
}
