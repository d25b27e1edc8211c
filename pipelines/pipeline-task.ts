import { UsageError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { phaseNamed } from '../core/stage-phases.js';
import { loadPipeline, type RegistrySource } from './load-pipeline.js';
import { phasedOf } from './phased-stage.js';
import { planPipeline, type PlannedStage } from './pipeline-plan.js';
import { phaseTaskCounts } from './stage-phase-plan.js';
import { builtinRegistry } from './stage-registry.js';

/** Options of `kiln task`: one step of one phase of one stage, as a Slurm job runs it. */
export interface PipelineTaskOptions {
  stage: string;
  /** The phase (dedupe: signatures, buckets, clusters, filter; shard: scatter, pack); optional for a one-phase stage. */
  phase?: string;
  /** Run this task index. */
  task?: number;
  /** Plan the phase's tasks and run nothing. */
  plan?: boolean;
  /** Run whatever tasks of the phase are left and end it (a stage's last phase writes SUCCESS.json). */
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
export type PipelineTaskResult = { mode: 'plan' | 'finalize' | 'task'; phase: string; tasks: number; skipped?: string };

/**
 * Runs one step of one phase of one pipeline stage in this process: its plan (idempotent; with
 * --overwrite the first phase replaces an output made with another config), task i (an array
 * element), or its finalize. Everything it needs is in the pipeline file and on the shared disk.
 */
export async function runPipelineTask(file: string, options: PipelineTaskOptions): Promise<PipelineTaskResult> {
  const modes = [options.task !== undefined, !!options.plan, !!options.finalize].filter(Boolean).length;
  if (modes !== 1) throw new UsageError('give exactly one of --task N, --plan, --finalize');
  const registry = options.registry ?? builtinRegistry;
  const pipeline = await loadPipeline(file, registry);
  const log = options.log ?? createLogger({ pipeline: pipeline.name, stage: options.stage });
  if (pipeline.incremental && !options.generation) throw new UsageError('incremental pipeline: --generation is required for kiln task');
  const plan = await planPipeline(pipeline, { only: options.stage, generation: options.generation });
  return runPhaseStep(plan.stages[0], options, log);
}

async function runPhaseStep(s: PlannedStage, options: PipelineTaskOptions, log: Logger): Promise<PipelineTaskResult> {
  const stage = phasedOf(s.stage);
  const names = stage.shapes.map((p) => p.name);
  const phase = options.phase ?? (names.length === 1 ? names[0] : undefined);
  if (phase === undefined) throw new UsageError(`stage ${s.key} runs as phases (${names.join(', ')}): give --phase`, { key: 'phase' });
  // --tasks is the stage's task count; a phase's own (`slurm.phases.NAME.tasks`) comes from the pipeline file.
  const tasks = options.tasks ?? s.tasks;
  const phases = await stage.open({ inputs: s.inputs, out: s.out, config: s.config, tasks, phaseTasks: phaseTaskCounts(s), overwrite: !!options.plan && options.overwrite, log, signal: options.signal });
  const p = phaseNamed(phases, phase);
  const ctx = { log, signal: options.signal, workers: 1, quiet: true };
  // Every step plans (deterministic, idempotent): array elements of a self-planning phase need no plan job.
  const count = await p.plan(ctx);
  if (options.plan) return { mode: 'plan', phase, tasks: count };
  if (options.finalize) {
    const fin = (await p.finalize?.(ctx)) ?? { stopped: false };
    return { mode: 'finalize', phase, tasks: count, skipped: fin.stopped ? 'stopped' : undefined };
  }
  const task = options.task!;
  // The array is sized at submit time; elements past the phase's plan have no work.
  if (task >= count) {
    log.info('task_beyond_plan', { phase, task, taskCount: count });
    return { mode: 'task', phase, tasks: count, skipped: `phase ${phase} planned ${count} tasks` };
  }
  const run = await p.runTasks([task], ctx);
  return { mode: 'task', phase, tasks: count, skipped: run.stopped ? 'stopped' : undefined };
}
