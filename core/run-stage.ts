import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import type { ColumnSpec } from './columns.js';
import { readCommits } from './commit-record.js';
import { hashConfig } from './config-hash.js';
import { layout } from './dataset-layout.js';
import { readDone, readManifest, readSuccess, writeManifest, type DatasetManifest, type SuccessRecord } from './dataset-manifest.js';
import { ConfigChangedError, ConfigError, TaskFailedError } from './errors.js';
import { lockDataset, datasetLockPath } from './dataset-lock.js';
import type { LockOwner } from './file-lock.js';
import { requireFinishedInputs } from './input-finished.js';
import { canonicalPath, listInputFiles } from './input-files.js';
import { runTasksLocally } from './local-executor.js';
import { createLogger, type Logger } from './log.js';
import { planFileTasks } from './plan.js';
import { Progress } from './progress.js';
import { progressMode } from './progress-mode.js';
import type { StageDefinition, TaskPlan } from './stage.js';
import { sumStats } from './stats.js';
import { makeDirs } from './make-dirs.js';
import { isTaskWorker } from './task-worker-flag.js';
import { withObjectStorage } from './storage/staged-stage.js';
import { isS3Url } from './storage/s3-location.js';

export interface RunStageOptions {
  /** Input datasets, files, globs or URLs, as the stage understands them. */
  inputs?: readonly string[];
  out: string;
  /** Stage config before validation (defaults fill in). */
  config?: unknown;
  /** Task count; default chosen from the input size. */
  tasks?: number;
  /** Parallel tasks on this machine; default one per core. */
  workers?: number;
  /** Replace an existing output made with another config. */
  overwrite?: boolean;
  /** Run only these task indices (e.g. one Slurm array element). */
  only?: readonly number[];
  /** Plan and write the manifest, run nothing. */
  planOnly?: boolean;
  /** Read kiln datasets whose run has not finished (default: refused with KILN_INPUT_UNFINISHED). */
  allowPartial?: boolean;
  /** When another run writes `out`, wait for it instead of failing with KILN_OUTPUT_LOCKED. */
  wait?: boolean;
  /** Called once when `wait` is set and another run holds the output's lock. */
  onWait?: (owner: LockOwner) => void;
  signal?: AbortSignal;
  log?: Logger;
  quiet?: boolean;
}

/** What a stage run did. */
export interface StageSummary {
  stage: string;
  out: string;
  tasks: number;
  /** True when the output was already complete for this config. */
  skipped: boolean;
  /** True when a signal stopped the run before every task finished. */
  stopped: boolean;
  rows: number;
  bytes: number;
  stats: Record<string, number>;
  extra?: Record<string, unknown>;
  seconds: number;
  /** Worker threads this run started (0 when tasks ran in this thread). */
  workersStarted: number;
}

/** Validates a stage config, naming the first bad key. */
export function parseStageConfig<C>(stage: StageDefinition<C>, config: unknown): C {
  const result = stage.config.safeParse(config ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue.path.join('.');
    throw new ConfigError(`${stage.name} config${key ? ` key \`${key}\`` : ''}: ${issue.message}`, { key: key || undefined });
  }
  return result.data;
}

/** Plans a stage's tasks and checks them against an existing output; returns the manifest to run. */
export async function prepareStage<C>(stage: StageDefinition<C>, options: RunStageOptions): Promise<{ manifest: DatasetManifest; fresh: boolean }> {
  const out = await canonicalPath(options.out);
  const config = parseStageConfig(stage, options.config);
  const log = options.log ?? createLogger();
  const inputs = [...(options.inputs ?? [])];
  if (!options.allowPartial) await requireFinishedInputs(inputs);
  const tasks: TaskPlan[] = stage.plan
    ? await stage.plan({ config, inputs, out, tasks: options.tasks, log })
    : planFileTasks(await listInputFiles(inputs), options.tasks);
  const manifest: DatasetManifest = {
    format: 1,
    stage: stage.name,
    module: stage.module,
    config,
    configHash: hashConfig({ stage: stage.name, config }),
    inputs,
    inputFingerprint: hashConfig(tasks),
    taskCount: tasks.length,
    tasks,
    columns: stage.columns(config),
    createdAt: new Date().toISOString(),
  };
  const existing = await readManifest(out);
  const excludedColumns = stage.excludedColumns?.(config);
  if (existing) {
    const same = existing.stage === manifest.stage && existing.configHash === manifest.configHash && existing.inputFingerprint === manifest.inputFingerprint;
    if (same) {
      if (excludedColumns) await writeExcludedManifest(out, manifest, excludedColumns);
      return { manifest: { ...existing, module: stage.module }, fresh: false };
    }
    if (!options.overwrite) {
      const what = existing.stage !== manifest.stage ? `stage ${existing.stage}` : existing.configHash !== manifest.configHash ? 'another config' : 'other inputs';
      throw new ConfigChangedError(`output ${out} was made by ${what}; pass --overwrite to replace it`, { path: out });
    }
    log.info('overwrite', { out, stage: stage.name });
    await clearOutput(out);
  }
  await makeDirs(out);
  await writeManifest(out, manifest);
  if (excludedColumns) await writeExcludedManifest(out, manifest, excludedColumns);
  return { manifest, fresh: true };
}

/** Deletes everything in `out` but its writer lock, which the run replacing it holds. */
async function clearOutput(out: string): Promise<void> {
  const lock = datasetLockPath(out);
  for (const name of await fs.readdir(out)) {
    if (path.join(out, name) !== path.dirname(lock)) await fs.rm(path.join(out, name), { recursive: true, force: true });
  }
  for (const name of await fs.readdir(path.dirname(lock)).catch(() => [])) {
    if (path.join(path.dirname(lock), name) !== lock) await fs.rm(path.join(path.dirname(lock), name), { recursive: true, force: true });
  }
}

/** The excluded dataset's manifest (once; a kill between the two manifests is mended by the next run). */
async function writeExcludedManifest(out: string, manifest: DatasetManifest, columns: ColumnSpec[]): Promise<void> {
  const dir = layout.excluded(out);
  if (await readManifest(dir)) return;
  await writeManifest(dir, { ...manifest, stage: `${manifest.stage}.excluded`, columns });
}

/** SUCCESS.json of the excluded dataset, written just before the output's own. */
async function writeExcludedSuccess(out: string, manifest: DatasetManifest, seconds: number): Promise<void> {
  const dir = layout.excluded(out);
  const commits = await readCommits(dir);
  const record: SuccessRecord = {
    stage: `${manifest.stage}.excluded`,
    configHash: manifest.configHash,
    tasks: manifest.taskCount,
    rows: commits.reduce((s, c) => s + c.rows, 0),
    bytes: commits.reduce((s, c) => s + c.bytes, 0),
    stats: {},
    seconds,
    finishedAt: new Date().toISOString(),
  };
  await writeFileAtomic(layout.success(dir), JSON.stringify(record, null, 1));
}

/**
 * Runs a stage to completion (or resumes it): plan, skip done tasks, run the rest, write
 * SUCCESS.json. Holds the output's writer lock throughout; with `only` (one element of a Slurm
 * array, where many processes share the output by design) the lock is not taken.
 */
export async function runStage<C>(stage: StageDefinition<C>, options: RunStageOptions): Promise<StageSummary> {
  const locations = stage.inputKind === 'locations';
  const datasets = locations ? [] : (options.inputs ?? []);
  if (!isTaskWorker() && (isS3Url(options.out) || datasets.some(isS3Url))) {
    // s3:// datasets run through local staging and are published in commit order (staged-stage.ts).
    const summary = await withObjectStorage(datasets, options.out, (inputs, out) => runStage(stage, { ...options, inputs: locations ? options.inputs : inputs, out }));
    return { ...summary, out: options.out };
  }
  const out = await canonicalPath(options.out);
  // A task worker importing a script that defines and runs its stage in one file: the process
  // that started the worker runs the stage; here the call only lets the import finish.
  if (isTaskWorker()) return { stage: stage.name, out, tasks: 0, skipped: true, stopped: false, rows: 0, bytes: 0, stats: {}, seconds: 0, workersStarted: 0 };
  // A wrong KILN_PROGRESS fails here, before the output is made.
  if (!options.quiet) progressMode();
  if (options.only) return runStageLocked(stage, options, out);
  await makeDirs(out);
  const release = await lockDataset(out, { wait: options.wait, signal: options.signal, log: options.log, onWait: options.onWait });
  try {
    return await runStageLocked(stage, options, out);
  } finally {
    await release();
  }
}

async function runStageLocked<C>(stage: StageDefinition<C>, options: RunStageOptions, out: string): Promise<StageSummary> {
  const started = Date.now();
  const log = options.log ?? createLogger();
  const { manifest } = await prepareStage(stage, options);
  const success = await readSuccess(out);
  if (success && success.configHash === manifest.configHash && !options.only) {
    return { stage: stage.name, out, tasks: success.tasks, skipped: true, stopped: false, rows: success.rows, bytes: success.bytes, stats: success.stats, extra: success.extra, seconds: (Date.now() - started) / 1000, workersStarted: 0 };
  }
  const wanted = options.only ? [...options.only] : manifest.tasks.map((t) => t.index);
  const pending: number[] = [];
  for (const t of wanted) if (!(await readDone(out, t))) pending.push(t);
  const progress = new Progress(stage.name, manifest.taskCount, log, options.quiet);
  let workersStarted = 0;
  if (!options.planOnly && pending.length > 0) {
    log.info('stage_start', { stage: stage.name, out, tasks: manifest.taskCount, pending: pending.length });
    const run = await runTasksLocally(stage as StageDefinition<unknown>, manifest, out, pending, { workers: options.workers, signal: options.signal, progress, log });
    const outcomes = run.outcomes;
    workersStarted = run.workersStarted;
    progress.end();
    const failed = outcomes.filter((o) => o.status === 'failed');
    if (failed.length > 0) {
      const first = failed[0];
      throw new TaskFailedError(first.task, `${failed.length} of ${manifest.taskCount} tasks of ${stage.name} failed; task ${first.task}: ${first.error?.message}`, { path: first.error?.path ?? out });
    }
  }
  const markers = await Promise.all(manifest.tasks.map((t) => readDone(out, t.index)));
  const rows = markers.reduce((s, m) => s + (m?.rows ?? 0), 0);
  const bytes = markers.reduce((s, m) => s + (m?.bytes ?? 0), 0);
  const stats = sumStats(markers.filter((m) => m !== undefined).map((m) => m!.stats));
  const complete = markers.every((m) => m !== undefined);
  const summary: StageSummary = { stage: stage.name, out, tasks: manifest.taskCount, skipped: false, stopped: !complete, rows, bytes, stats, seconds: 0, workersStarted };
  // With `only` (one Slurm array element) several processes may finish at once: finalizing is
  // left to a later run without `only`.
  if (complete && !options.planOnly && !options.only) {
    const config = stage.config.parse(manifest.config);
    const extra = (await stage.finalize?.({ config, out, tasks: manifest.tasks, stats, log })) ?? undefined;
    const record: SuccessRecord = {
      stage: stage.name,
      configHash: manifest.configHash,
      tasks: manifest.taskCount,
      rows,
      bytes,
      stats,
      extra: extra ?? undefined,
      seconds: (Date.now() - started) / 1000,
      finishedAt: new Date().toISOString(),
    };
    if (stage.excludedColumns?.(config)) await writeExcludedSuccess(out, manifest, record.seconds);
    await writeFileAtomic(layout.success(out), JSON.stringify(record, null, 1));
    summary.extra = record.extra;
    log.info('stage_done', { stage: stage.name, out, rows, bytes, seconds: record.seconds });
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}
