// The built-in stages a pipeline file names (crawl, crawl-archive, dedupe, tokenize, shard,
// train), each loaded by a computed import so that a checkout without one of them (or with one
// still being written) runs pipelines of the others.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJsonIfExists, writeFileAtomic } from '../core/atomic-file.js';
import { canonicalJson } from '../core/config-hash.js';
import { runStage } from '../core/run-stage.js';
import { isStage, type StageDefinition } from '../core/stage.js';
import { defineCompositeStage, type CompositeStage, type CompositeSummary } from './composite-stage.js';
import type { StageState } from './stage-state.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Module = Record<string, any>;

async function load(specifier: string): Promise<Module> {
  return (await import(new URL(specifier, import.meta.url).href)) as Module;
}

function summaryOf(s: { rows: number; bytes: number; stats: Record<string, unknown>; skipped: boolean; stopped: boolean; seconds: number; extra?: Record<string, unknown> }): CompositeSummary {
  const stats: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.stats)) if (typeof v === 'number') stats[k] = v;
  return { rows: s.rows, bytes: s.bytes, stats, skipped: s.skipped, stopped: s.stopped, seconds: s.seconds, extra: s.extra };
}

/** The live crawl: a one-task core stage, wrapped so incremental pipelines can re-crawl its output. */
async function crawl(): Promise<CompositeStage> {
  const m = await load('../crawl/live/index.js');
  const stage = m.liveCrawlStage as StageDefinition<unknown>;
  return defineCompositeStage({
    name: 'crawl',
    config: stage.config,
    run: async (o) => summaryOf(await runStage(stage, { inputs: o.inputs, out: o.out, config: o.config, overwrite: o.overwrite, signal: o.signal, log: o.log, quiet: o.quiet })),
    reopen: m.reopenForRecrawl as (out: string) => Promise<void>,
  });
}

/** Dedupe runs in phases (signatures, clusters, filter) through runDedupe. */
async function dedupe(): Promise<CompositeStage> {
  const m = await load('../dedupe/index.js');
  return defineCompositeStage({
    name: 'dedupe',
    config: m.dedupeConfigSchema as z.ZodType,
    run: async (o) => {
      const s = await m.runDedupe({ inputs: o.inputs, out: o.out, config: o.config, workers: o.workers, tasks: o.tasks, overwrite: o.overwrite, signal: o.signal, log: o.log, quiet: o.quiet });
      const stats = s.stats as Record<string, unknown>;
      return summaryOf({ rows: s.kept, bytes: typeof stats.bytes === 'number' ? stats.bytes : 0, stats: { documents: s.documents, kept: s.kept, ...stats }, skipped: s.skipped, stopped: s.stopped, seconds: s.seconds, extra: s.index ? { index: s.index } : undefined });
    },
  });
}

/** Marker the train step writes in its run directory once the configured steps are done. */
const TRAIN_DONE = 'pipeline-train.json';

/** Train: reads the previous stage's shards, writes checkpoints, metrics and report.html. */
async function train(): Promise<CompositeStage> {
  const m = await load('../train/index.js');
  const schema = (m.TrainConfigSchema as z.ZodObject).omit({ data: true, out: true, resume: true, overwrite: true });
  return defineCompositeStage({
    name: 'train',
    config: schema as z.ZodType,
    state: async (out, config): Promise<StageState> => {
      const done = await readJsonIfExists<{ config: unknown; summary: Record<string, unknown> }>(path.join(out, TRAIN_DONE));
      const started = await fs.stat(out).then(() => true, () => false);
      const condition = done ? (canonicalJson(done.config) === canonicalJson(config) ? 'done' : 'changed') : started ? 'partial' : 'pending';
      return { condition, doneTasks: done ? 1 : 0, taskCount: 1, failedTasks: [], rows: 0, bytes: 0, extra: done?.summary };
    },
    run: async (o) => {
      const marker = path.join(o.out, TRAIN_DONE);
      const done = await readJsonIfExists<{ config: unknown; summary: Record<string, unknown> }>(marker);
      if (done && canonicalJson(done.config) === canonicalJson(o.config) && !o.overwrite) {
        return { rows: 0, bytes: 0, stats: {}, skipped: true, stopped: false, seconds: 0, extra: done.summary };
      }
      const data = o.inputs[0];
      const index = await readJsonIfExists<{ tokenizer?: { name: string; hash: string } | null }>(path.join(data, 'index.json')).catch(() => undefined);
      const resume = !o.overwrite && (await fs.stat(o.out).then(() => true, () => false));
      const summary = (await m.train({ ...(o.config as object), data, out: o.out, resume, overwrite: !!o.overwrite && !resume }, { log: o.log, signal: o.signal, tokenizer: index?.tokenizer ?? null })) as Record<string, unknown>;
      const stopped = !!o.signal?.aborted;
      if (!stopped) await writeFileAtomic(marker, JSON.stringify({ config: o.config, summary }, null, 1));
      const stats: Record<string, number> = {};
      for (const k of ['steps', 'final_loss', 'val_loss', 'initial_val_loss', 'tokens_per_s', 'params']) if (typeof summary[k] === 'number') stats[k] = summary[k] as number;
      return { rows: 0, bytes: 0, stats, skipped: false, stopped, seconds: Number(summary.seconds ?? 0), extra: summary };
    },
  });
}

/** Loaders of the built-in stages, by the name a pipeline file uses. */
const BUILTINS: ReadonlyArray<[string, () => Promise<StageDefinition<unknown> | CompositeStage>]> = [
  ['crawl', crawl],
  ['crawl-archive', async () => (await load('../crawl/archive/index.js')).archiveCrawlStage],
  ['dedupe', dedupe],
  ['tokenize', async () => (await load('../tokenize/index.js')).tokenizeStage],
  ['shard', async () => (await load('../shard/index.js')).shardStage],
  ['train', train],
];

/** Every built-in stage that loads here; the others are reported with KILN_DEBUG=1. */
export async function loadBuiltinStages(): Promise<Array<StageDefinition<unknown> | CompositeStage>> {
  const stages: Array<StageDefinition<unknown> | CompositeStage> = [];
  for (const [name, loader] of BUILTINS) {
    try {
      const stage = await loader();
      if (!isStage(stage) && (stage as CompositeStage)?.kind !== 'composite') throw new Error('no stage export');
      stages.push(stage);
    } catch (err) {
      if (process.env.KILN_DEBUG) process.stderr.write(`kiln: built-in stage ${name} not available: ${(err as Error).message}\n`);
    }
  }
  return stages;
}
