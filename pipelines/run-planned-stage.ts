import { runStage } from '../core/run-stage.js';
import type { StageDefinition } from '../core/stage.js';
import { isComposite, type CompositeRunOptions, type CompositeSummary } from './composite-stage.js';
import type { PlannedStage } from './pipeline-plan.js';

/** Options of runPlannedStage beyond what the plan fixes: a composite run's options, plus two for core stages. */
export interface RunPlannedOptions extends Omit<CompositeRunOptions<unknown>, 'inputs' | 'out' | 'config'> {
  /** Core stages: run only these task indices (a Slurm array element). */
  only?: number[];
  /** Core stages: write the manifest and run nothing. */
  planOnly?: boolean;
}

/** Runs (or resumes, or skips) one planned stage here, core or composite, and sums it up. */
export async function runPlannedStage(s: PlannedStage, o: RunPlannedOptions): Promise<CompositeSummary> {
  const tasks = o.tasks ?? s.tasks;
  if (isComposite(s.stage)) {
    if (o.planOnly) return { rows: 0, bytes: 0, stats: {}, skipped: false, stopped: false, seconds: 0 };
    return s.stage.run({ inputs: s.inputs, out: s.out, config: s.config, tasks, workers: o.workers, overwrite: o.overwrite, signal: o.signal, log: o.log, quiet: o.quiet });
  }
  const summary = await runStage(s.stage as StageDefinition<unknown>, { inputs: s.inputs, out: s.out, config: s.config, tasks, workers: o.workers, overwrite: o.overwrite, signal: o.signal, log: o.log, quiet: o.quiet, only: o.only, planOnly: o.planOnly });
  return { rows: summary.rows, bytes: summary.bytes, stats: summary.stats, skipped: summary.skipped, stopped: summary.stopped, seconds: summary.seconds, extra: summary.extra };
}
