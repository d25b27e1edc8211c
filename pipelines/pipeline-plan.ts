import path from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { readSuccess } from '../core/dataset-manifest.js';
import { DENY_LIST_FILE } from '../core/deny-list.js';
import { generationsDir, listGenerations, newGenerationId } from './generations.js';
import type { Pipeline, PipelineStage } from './load-pipeline.js';
import { readStageState, type StageState } from './stage-state.js';
import { isPhasedStage } from './phased-stage.js';
import { isS3Url, joinLocation } from '../core/storage/s3-location.js';
import { recordsView, stagingDir } from '../core/storage/staged-stage.js';
import type { AnyStage } from './stage-registry.js';

/** One stage as it will run: where it reads, where it writes, with which config, and what is done. */
export interface PlannedStage {
  key: string;
  stage: PipelineStage['stage'];
  entry: PipelineStage;
  inputs: string[];
  out: string;
  /** The validated config plus what the runner adds (persistent indexes of incremental runs). */
  config: unknown;
  tasks?: number;
  state: StageState;
  /** Incremental: the output is shared by all generations and reopened by each new one. */
  persistent?: boolean;
}

/** The whole run: which generation (incremental pipelines) and each stage. */
export interface PipelinePlan {
  pipeline: Pipeline;
  /** Generation id, for incremental pipelines. */
  generation?: string;
  /** True when this run starts a generation rather than resuming an unfinished one. */
  newGeneration: boolean;
  stages: PlannedStage[];
}

/**
 * How a stage remembers earlier generations of an incremental pipeline, by stage name:
 * - `key`: the runner points this config key at `workdir/state/<dir>` (dedupe's persistent
 *   index, shard's appended shards); injected only when the stage's schema has the key, so a
 *   stage without incremental support simply runs per generation. With `feedsNext`, the next
 *   stage reads that folder (train reads every generation's shards).
 * - `persistent`: the stage's output itself lives at `workdir/state/<dir>` and is reopened at
 *   each new generation (the crawl re-visits known URLs with conditional GETs, adds new ones).
 */
export const INCREMENTAL_STATE: Readonly<Record<string, { key?: string; dir: string; feedsNext?: boolean; persistent?: boolean }>> = {
  crawl: { dir: 'crawl', persistent: true },
  dedupe: { key: 'index', dir: 'dedupe-index' },
  shard: { key: 'appendTo', dir: 'shards', feedsNext: true },
};

/** Folder of persistent state shared by every generation. */
export function stateDir(workdir: string): string {
  return joinLocation(workdir, 'state');
}

/** Folder of `kiln takedown --pipeline`'s deny list, log and journals. */
export function takedownStateDir(workdir: string): string {
  return path.join(stateDir(workdir), 'takedown');
}

/** Folder of the runner's own files (lock, run log, Slurm scripts and logs). */
export function pipelineMetaDir(workdir: string): string {
  // An s3:// workdir: the lock and run log are this host's (S3 has no file lock; each stage's
  // output has its own lease), beside the staging copies of its datasets.
  return isS3Url(workdir) ? path.join(stagingDir(workdir), '_pipeline') : path.join(workdir, '_pipeline');
}

function schemaHasKey(schema: z.ZodType, key: string): boolean {
  return schema instanceof z.ZodObject && key in schema.shape;
}

function withIncrementalState(entry: PipelineStage, workdir: string, config: unknown): unknown {
  const rule = INCREMENTAL_STATE[entry.stage.name];
  if (!rule?.key || !schemaHasKey(entry.stage.config, rule.key)) return config;
  if (entry.rawConfig[rule.key] !== undefined) return config; // the user chose a place
  return { ...(config as Record<string, unknown>), [rule.key]: path.join(stateDir(workdir), rule.dir) };
}

/**
 * Stages that read the pipeline's takedown deny list (`kiln takedown --pipeline` writes it): the
 * archive crawl re-reads the same WARCs at every generation, so without it a taken-down record
 * would come back. The live crawl needs no key: takedown also writes beside its persistent output.
 */
const READS_DENY_LIST: ReadonlySet<string> = new Set(['crawl-archive']);

function withDenyList(entry: PipelineStage, workdir: string, config: unknown): unknown {
  if (!READS_DENY_LIST.has(entry.stage.name) || !schemaHasKey(entry.stage.config, 'denyList')) return config;
  if (entry.rawConfig.denyList !== undefined) return config; // the user named one
  // `kiln takedown --pipeline` refuses an s3:// workdir, so no deny list can be there.
  if (isS3Url(workdir)) return config;
  return { ...(config as Record<string, unknown>), denyList: path.join(takedownStateDir(workdir), DENY_LIST_FILE) };
}

/** What is on disk for a stage's output: the stage's own reading, or a kiln dataset's. */
export async function stageStateOf(stage: AnyStage, out: string, config: unknown): Promise<StageState> {
  return isPhasedStage(stage) && stage.state ? stage.state(out, config) : readStageState(await recordsView(out), config);
}

/** Options of planPipeline. */
export interface PlanOptions {
  /** Run only this stage (by key); its inputs are still the previous stage's output. */
  only?: string;
  /** Use this generation (a Slurm task gets it from the submitting run). */
  generation?: string;
}

/** Decides generation, folders and configs of every stage and reads what is already done. */
export async function planPipeline(pipeline: Pipeline, options: PlanOptions = {}): Promise<PipelinePlan> {
  let generation: string | undefined;
  let newGeneration = false;
  let base = pipeline.workdir;
  if (pipeline.incremental) {
    generation = options.generation;
    if (!generation) {
      const existing = await listGenerations(pipeline.workdir);
      const last = existing.at(-1);
      // An unfinished generation is resumed, not abandoned: its documents are not in the index yet.
      if (last && !(await generationComplete(pipeline, path.join(generationsDir(pipeline.workdir), last)))) generation = last;
      else {
        generation = newGenerationId();
        newGeneration = true;
      }
    }
    base = path.join(generationsDir(pipeline.workdir), generation);
  }
  const stages: PlannedStage[] = [];
  let previousOut: string | undefined;
  for (const entry of pipeline.stages) {
    const rule = pipeline.incremental ? INCREMENTAL_STATE[entry.stage.name] : undefined;
    const persistent = rule?.persistent === true;
    const out = persistent ? joinLocation(stateDir(pipeline.workdir), rule!.dir) : joinLocation(base, entry.key);
    const withDeny = withDenyList(entry, pipeline.workdir, entry.config);
    const config = pipeline.incremental ? withIncrementalState(entry, pipeline.workdir, withDeny) : withDeny;
    const inputs = entry.inputs ?? (previousOut ? [previousOut] : []);
    let state = await stageStateOf(entry.stage, out, config);
    // A new generation re-runs a persistent stage (the runner reopens its output first).
    if (persistent && newGeneration && state.condition === 'done') state = { ...state, condition: 'pending', success: undefined };
    stages.push({ key: entry.key, stage: entry.stage, entry, inputs, out, config, tasks: entry.tasks, state, persistent });
    const fed = rule?.feedsNext && rule.key ? (config as Record<string, unknown>)[rule.key] : undefined;
    previousOut = typeof fed === 'string' ? fed : out;
  }
  if (options.only !== undefined && !stages.some((s) => s.key === options.only)) {
    throw new UsageError(`pipeline ${pipeline.name} has no stage "${options.only}" (stages: ${stages.map((s) => s.key).join(', ')})`, { key: options.only });
  }
  return { pipeline, generation, newGeneration, stages: options.only !== undefined ? stages.filter((s) => s.key === options.only) : stages };
}

/**
 * A generation is complete when every stage wrote SUCCESS.json, whatever its config: an edited
 * pipeline file starts a new generation rather than reopening a finished one.
 */
async function generationComplete(pipeline: Pipeline, base: string): Promise<boolean> {
  for (const entry of pipeline.stages) {
    const rule = INCREMENTAL_STATE[entry.stage.name];
    const out = rule?.persistent ? path.join(stateDir(pipeline.workdir), rule.dir) : path.join(base, entry.key);
    const state = await stageStateOf(entry.stage, out, entry.config);
    if (isPhasedStage(entry.stage) && entry.stage.state ? state.condition === 'pending' || state.condition === 'partial' : !(await readSuccess(out))) return false;
  }
  return true;
}

/** The plan as text lines for `kiln run --dry-run`. */
export function describePlan(plan: PipelinePlan, executor: string): string[] {
  const lines = [`pipeline ${plan.pipeline.name} (${plan.pipeline.file}), executor ${executor}`];
  if (plan.generation) lines.push(`generation ${plan.generation} (${plan.newGeneration ? 'new' : 'resumed'})`);
  for (const s of plan.stages) {
    const st = s.state;
    const what =
      st.condition === 'done'
        ? `done, skipped (${st.rows} rows, ${st.bytes} bytes)`
        : st.condition === 'partial'
          ? `resume: ${st.doneTasks}/${st.taskCount ?? '?'} tasks done${st.failedTasks.length ? `, failed: ${st.failedTasks.join(',')}` : ''}`
          : st.condition === 'changed'
            ? 'config changed since the existing output: refused unless --overwrite'
            : `run${s.tasks ? ` (${s.tasks} tasks)` : ''}`;
    lines.push(`  ${s.key.padEnd(10)} ${s.stage.name === s.key ? '' : `[${s.stage.name}] `}${s.inputs.length ? s.inputs.join(',') : '(no input)'} -> ${s.out}: ${what}`);
  }
  return lines;
}
