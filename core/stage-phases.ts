// The one stage contract: a stage is a list of phases. Each phase plans N independent tasks over
// committed inputs (the outputs of the phases before it), runs task i anywhere (any node, any
// order, any number of retries: a task commits through core's commit protocol, so a repeat or a
// resumed kill writes nothing twice), and may end with a small finalize. The local runner below
// and the Slurm executor (one plan job, one array, one finalize job per phase) run the same
// three calls; a defineStage stage is the one-phase case (stagePhasesOf).
import { UsageError } from './errors.js';
import type { Logger } from './log.js';
import { prepareStage, runStage, type RunStageOptions } from './run-stage.js';
import type { StageDefinition } from './stage.js';

/** What a phase call gets besides the stage's own fixed settings. */
export interface PhaseRunContext {
  log: Logger;
  signal?: AbortSignal;
  /** Parallel tasks in this process (the local runner); a Slurm element runs one. */
  workers?: number;
  quiet?: boolean;
}

/** How one phase of a stage went: stopped = a signal ended it before it was complete. */
export interface PhaseOutcome {
  stopped: boolean;
}

/** One phase: plan, tasks, finalize. Every call is idempotent and safe to repeat after a kill. */
export interface StagePhase {
  name: string;
  /** True when the phase always has exactly one task (its Slurm array is of size 1). */
  single?: boolean;
  /** Plans the phase's tasks over the committed outputs of the phases before (idempotent); returns the task count. */
  plan(ctx: PhaseRunContext): Promise<number>;
  /** Runs these task indices here (any subset, any order, repeats allowed); tasks already committed do nothing. */
  runTasks(indices: readonly number[], ctx: PhaseRunContext): Promise<PhaseOutcome>;
  /** After every task: a small step that declares the phase complete. */
  finalize?(ctx: PhaseRunContext): Promise<PhaseOutcome>;
}

/** A stage as phases, for one output and config. */
export interface StagePhases {
  stage: string;
  phases: StagePhase[];
}

/** Phase `name` of a stage; a usage error names the phases there are. */
export function phaseNamed(stage: StagePhases, name: string): StagePhase {
  const phase = stage.phases.find((p) => p.name === name);
  if (!phase) throw new UsageError(`stage ${stage.stage} has no phase ${name}; its phases: ${stage.phases.map((p) => p.name).join(', ')}`, { key: 'phase' });
  return phase;
}

/** Runs every phase here in order (plan, all tasks, finalize): the local executor's way. */
export async function runPhasesLocally(stage: StagePhases, ctx: PhaseRunContext): Promise<PhaseOutcome> {
  for (const phase of stage.phases) {
    const count = await phase.plan(ctx);
    const run = await phase.runTasks(Array.from({ length: count }, (_, i) => i), ctx);
    if (run.stopped || ctx.signal?.aborted) return { stopped: true };
    const fin = (await phase.finalize?.(ctx)) ?? { stopped: false };
    if (fin.stopped) return fin;
  }
  return { stopped: false };
}

/**
 * A core stage as one phase (the one-phase case): plan = its manifest, tasks = runStage with
 * `only`, finalize = runStage with nothing left to run (SUCCESS.json and the stage's finalize).
 */
export function phaseOfStage<C>(name: string, stage: StageDefinition<C>, options: Omit<RunStageOptions, 'only' | 'planOnly' | 'workers' | 'signal' | 'log' | 'quiet'>): StagePhase {
  const opts = (ctx: PhaseRunContext): RunStageOptions => ({ ...options, workers: ctx.workers, signal: ctx.signal, log: ctx.log, quiet: ctx.quiet });
  return {
    name,
    async plan(ctx) {
      return (await prepareStage(stage, opts(ctx))).manifest.taskCount;
    },
    async runTasks(indices, ctx) {
      const s = await runStage(stage, { ...opts(ctx), only: indices });
      return { stopped: s.stopped && !!ctx.signal?.aborted };
    },
    async finalize(ctx) {
      // No overwrite here: the plan replaced an old output already, the tasks' commits are this run's.
      const s = await runStage(stage, { ...opts(ctx), overwrite: false });
      return { stopped: s.stopped };
    },
  };
}

/** A defineStage stage as a one-phase StagePhases (custom stages, unchanged for their authors). */
export function stagePhasesOf<C>(stage: StageDefinition<C>, options: Omit<RunStageOptions, 'only' | 'planOnly' | 'workers' | 'signal' | 'log' | 'quiet'>): StagePhases {
  return { stage: stage.name, phases: [phaseOfStage('tasks', stage, options)] };
}
