import { UsageError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { prepareStage } from '../core/run-stage.js';
import type { StageDefinition } from '../core/stage.js';
import { isComposite, type CompositeSummary } from './composite-stage.js';
import { runPlannedStage } from './run-planned-stage.js';
import { loadPipeline, type RegistrySource } from './load-pipeline.js';
import { planPipeline, type PlannedStage } from './pipeline-plan.js';
import { phaseNamed } from '../core/stage-phases.js';
import { phaseTaskCounts } from './stage-phase-plan.js';
import { builtinRegistry } from './stage-registry.js';

/** Options of `kiln task`: one step of one stage, as a Slurm job runs it. */
export interface PipelineTaskOptions {
  stage: string;
  /** A phase of a stage run as phases (dedupe: signatures, buckets, clusters, filter): plan, task or finalize it. */
  phase?: string;
  /** Run this task index. */
  task?: number;
  /** Write the stage's manifest (plan its tasks) and run nothing. */
  plan?: boolean;
  /** Run whatever tasks are left and write SUCCESS.json. */
  finalize?: boolean;
  /** Task count the submitter fixed. */
  tasks?: number;
  /** Generation of an incremental pipeline the submitter chose. */
  generation?: string;
  overwrite?: boolean;
  registry?: RegistrySource;
  log?: Logger;
  signal?: AbortSignal;
}

/** What one `kiln task` did. */
export type PipelineTaskResult = { mode: 'plan' | 'finalize' | 'task'; phase?: string; tasks?: number; skipped?: string; summary?: CompositeSummary };

/**
 * Runs one step of one pipeline stage in this process: planning, one task (an array element),
 * or the finalize step. Everything it needs is in the pipeline file and on the shared disk.
 */
export async function runPipelineTask(file: string, options: PipelineTaskOptions): Promise<PipelineTaskResult> {
  const modes = [options.task !== undefined, !!options.plan, !!options.finalize].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('give exactly one of --task N, --plan, --finalize');
  const registry = options.registry ?? builtinRegistry;
  const pipeline = await loadPipeline(file, registry);
  const log = options.log ?? createLogger({ pipeline: pipeline.name, stage: options.stage });
  if (pipeline.incremental && !options.generation) throw new UsageError('incremental pipeline: --generation is required for kiln task');
  const plan = await planPipeline(pipeline, { only: options.stage, generation: options.generation });
  const s = plan.stages[0];
  const common = { tasks: options.tasks ?? s.tasks, log, signal: options.signal, workers: 1 };
  if (options.phase !== undefined) return runPhaseStep(s, options, { ...common, tasks: common.tasks });
  if (options.plan) return { mode: 'plan', summary: await runPlannedStage(s, { ...common, planOnly: true, overwrite: options.overwrite }) };
  if (isComposite(s.stage)) {
    // A composite stage is one Slurm job (task 0) that runs all of it; there is nothing to finalize.
    if (options.finalize || options.task! > 0) return { mode: options.finalize ? 'finalize' : 'task', skipped: 'composite stage: task 0 runs it all' };
    return { mode: 'task', summary: await runPlannedStage(s, { ...common, workers: undefined }) };
  }
  const stage = s.stage as StageDefinition<unknown>;
  if (options.finalize) return { mode: 'finalize', summary: await runPlannedStage(s, common) };
  const task = options.task!;
  // Every array element plans the stage (deterministic, written atomically, identical in each),
  // which saves a separate planning job per stage.
  const { manifest } = await prepareStage(stage, { inputs: s.inputs, out: s.out, config: s.config, tasks: common.tasks, log });
  // The array is sized before the plan exists; elements past the plan's task count have no work.
  if (task >= manifest.taskCount) {
    log.info('task_beyond_plan', { task, taskCount: manifest.taskCount });
    return { mode: 'task', skipped: `the stage planned ${manifest.taskCount} tasks` };
  }
  return { mode: 'task', summary: await runPlannedStage(s, { ...common, only: [task] }) };
}

/**
 * One step of one phase (`kiln task --phase NAME`): its plan (idempotent; with --overwrite the
 * first phase replaces an output made with another config), task i, or its finalize.
 */
async function runPhaseStep(s: PlannedStage, options: PipelineTaskOptions, common: { tasks?: number; log: Logger; signal?: AbortSignal }): Promise<PipelineTaskResult> {
  const stage = s.stage;
  if (!isComposite(stage) || !stage.phases) throw new UsageError(`stage ${s.key} does not run as phases; leave out --phase`);
  const phase = options.phase!;
  // --tasks is the stage's task count; a phase's own (`slurm.phases.NAME.tasks`) comes from the pipeline file.
  const tasks = options.tasks ?? s.tasks;
  const phases = await stage.phases.open({ inputs: s.inputs, out: s.out, config: s.config, tasks, phaseTasks: phaseTaskCounts(s), overwrite: !!options.plan && options.overwrite, log: common.log, signal: common.signal });
  const p = phaseNamed(phases, phase);
  const ctx = { log: common.log, signal: common.signal, workers: 1, quiet: true };
  const count = await p.plan(ctx);
  if (options.plan) return { mode: 'plan', phase, tasks: count };
  if (options.finalize) {
    const fin = (await p.finalize?.(ctx)) ?? { stopped: false };
    return { mode: 'finalize', phase, tasks: count, skipped: fin.stopped ? 'stopped' : undefined };
  }
  const task = options.task!;
  // The array is sized at submit time; elements past the phase's plan have no work.
  if (task >= count) {
    common.log.info('task_beyond_plan', { phase, task, taskCount: count });
    return { mode: 'task', phase, tasks: count, skipped: `phase ${phase} planned ${count} tasks` };
  }
  const run = await p.runTasks([task], ctx);
  return { mode: 'task', phase, tasks: count, skipped: run.stopped ? 'stopped' : undefined };
}
