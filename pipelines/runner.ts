import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { isPhasedStage } from './phased-stage.js';
import { generationsDir } from './generations.js';
import { describeError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import type { ExecuteResult } from './executors/executor.js';
import { runLocal } from './executors/local.js';
import { describeSlurmJobs, runSlurm } from './executors/slurm.js';
import { loadPipeline, type RegistrySource, type Pipeline } from './load-pipeline.js';
import { acquireLock, type LockOwner } from './lock.js';
import { describePlan, pipelineMetaDir, planPipeline, type PipelinePlan } from './pipeline-plan.js';
import { appendRunRecord, type RunRecord } from './run-log.js';
import { builtinRegistry } from './stage-registry.js';
import type { StageReport } from './stage-report.js';
import { makeDirs } from '../core/make-dirs.js';

/** Options of runPipeline (the flags of `kiln run`). */
export interface RunPipelineOptions {
  /** Stages a pipeline file may name; default: the built-in stages. */
  registry?: RegistrySource;
  /** Run only this stage. */
  only?: string;
  executor?: 'local' | 'slurm';
  /** Plan only: return the plan text, run nothing, take no lock. */
  dryRun?: boolean;
  /** Slurm: submit and return. */
  detach?: boolean;
  /** Wait for a running instance of the same pipeline instead of failing. */
  wait?: boolean;
  overwrite?: boolean;
  workers?: number;
  signal?: AbortSignal;
  log?: Logger;
  quiet?: boolean;
  /** Called when the lock is busy and `wait` is set. */
  onWait?: (owner: LockOwner) => void;
}

/** What a pipeline run did. */
export interface PipelineRunResult {
  pipeline: Pipeline;
  plan: PipelinePlan;
  planText: string[];
  executor: 'local' | 'slurm';
  status: RunRecord['status'] | 'planned';
  reports: StageReport[];
  generation?: string;
}

/**
 * Creates a new generation's folder (so an interrupted run resumes it rather than starting
 * another) and then reopens the stages whose output all generations share (the crawl).
 */
async function startGeneration(plan: PipelinePlan, log: Logger): Promise<void> {
  const dir = path.join(generationsDir(plan.pipeline.workdir), plan.generation!);
  await makeDirs(dir);
  await writeFileAtomic(path.join(dir, 'generation.json'), JSON.stringify({ generation: plan.generation, started: new Date().toISOString() }));
  for (const s of plan.stages) {
    if (s.persistent && isPhasedStage(s.stage) && s.stage.reopen) {
      await s.stage.reopen(s.out);
      log.info('generation_reopen', { stage: s.key, out: s.out, generation: plan.generation });
    }
  }
}

/** Path of a pipeline's lock file (`kiln run`, `kiln schedule` and cron lines all take it). */
export function lockPath(pipeline: Pipeline): string {
  return path.join(pipelineMetaDir(pipeline.workdir), 'lock');
}

/**
 * Runs a pipeline file: validates it, takes its lock, plans (generation, skip done stages,
 * resume half-done ones) and hands the stages to the executor. Throws the first stage error
 * after recording the run; the reports say how far it got.
 */
export async function runPipeline(file: string, options: RunPipelineOptions = {}): Promise<PipelineRunResult> {
  const registry = options.registry ?? builtinRegistry;
  const pipeline = await loadPipeline(file, registry);
  const executor = options.executor ?? pipeline.executor;
  const log = options.log ?? createLogger({ pipeline: pipeline.name });
  if (options.dryRun) {
    const plan = await planPipeline(pipeline, { only: options.only });
    const planText = [...describePlan(plan, executor), ...(executor === 'slurm' ? describeSlurmJobs(plan, { overwrite: options.overwrite }) : [])];
    return { pipeline, plan, planText, executor, status: 'planned', reports: [], generation: plan.generation };
  }
  const lock = await acquireLock(lockPath(pipeline), { wait: options.wait, log, signal: options.signal, onWait: options.onWait });
  const started = new Date().toISOString();
  try {
    // Planned under the lock: what is done may have changed while we waited.
    const plan = await planPipeline(pipeline, { only: options.only });
    if (plan.newGeneration && plan.generation) await startGeneration(plan, log);
    log.info('pipeline_start', { executor, generation: plan.generation, stages: plan.stages.map((s) => `${s.key}:${s.state.condition}`) });
    const execute = executor === 'slurm' ? runSlurm : runLocal;
    const result: ExecuteResult = await execute(plan, { log, signal: options.signal, overwrite: options.overwrite, detach: options.detach, workers: options.workers, quiet: options.quiet });
    const status: RunRecord['status'] = result.error
      ? 'failed'
      : result.reports.some((r) => r.status === 'submitted')
        ? 'submitted'
        : result.reports.some((r) => r.status === 'stopped') || result.reports.length < plan.stages.length
          ? 'stopped'
          : 'ok';
    await appendRunRecord(pipelineMetaDir(pipeline.workdir), {
      pipeline: pipeline.name,
      executor,
      generation: plan.generation,
      started,
      finished: new Date().toISOString(),
      status,
      error: result.error ? describeError(result.error) : undefined,
      stages: result.reports,
    });
    log.info('pipeline_end', { status, generation: plan.generation });
    if (result.error) throw result.error;
    return { pipeline, plan, planText: describePlan(plan, executor), executor, status, reports: result.reports, generation: plan.generation };
  } finally {
    await lock.release();
  }
}
