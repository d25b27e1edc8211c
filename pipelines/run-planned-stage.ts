import { KilnError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { runPhasesLocally } from '../core/stage-phases.js';
import { isS3Url } from '../core/storage/s3-location.js';
import { withObjectStorage } from '../core/storage/staged-stage.js';
import { datasetOutcome, phasedOf, type StageOutcome } from './phased-stage.js';
import type { PlannedStage } from './pipeline-plan.js';
import { phaseTaskCounts } from './stage-phase-plan.js';

/** Options of runPlannedStage beyond what the plan fixes. */
export interface RunPlannedOptions {
  /** Task count of the many-task phases; default: the stage entry's `tasks`. */
  tasks?: number;
  /** Parallel tasks in this process. */
  workers?: number;
  overwrite?: boolean;
  signal?: AbortSignal;
  log: Logger;
  quiet?: boolean;
}

/** What running a stage here did (the fields of a pipeline report). */
export interface PlannedStageSummary {
  rows: number;
  bytes: number;
  stats: Record<string, number>;
  skipped: boolean;
  stopped: boolean;
  seconds: number;
  extra?: Record<string, unknown>;
}

/**
 * Runs (or resumes, or skips) one planned stage here, phase after phase, and sums it up. A stage
 * with s3:// inputs or output runs its phases on local staging copies and publishes the output
 * (core/storage/staged-stage.ts), so no phase needs to know which storage it is on.
 */
export async function runPlannedStage(s: PlannedStage, o: RunPlannedOptions): Promise<PlannedStageSummary> {
  if (!isS3Url(s.out) && !s.inputs.some(isS3Url)) return runHere(s, s.inputs, s.out, o);
  return withObjectStorage(s.inputs, s.out, (inputs, out) => runHere(s, inputs, out, o));
}

/** runPlannedStage over local paths (the stage's own, or their staging copies). */
async function runHere(s: PlannedStage, inputs: readonly string[], out: string, o: RunPlannedOptions): Promise<PlannedStageSummary> {
  const started = Date.now();
  const stage = phasedOf(s.stage);
  const outcomeOf = (): Promise<StageOutcome | undefined> => (stage.outcome ? stage.outcome(out, s.config) : datasetOutcome(out));
  const before = o.overwrite ? undefined : await outcomeOf();
  const phases = await stage.open({ inputs: [...inputs], out, config: s.config, tasks: o.tasks ?? s.tasks, phaseTasks: phaseTaskCounts(s), overwrite: o.overwrite, log: o.log, signal: o.signal });
  const run = await runPhasesLocally(phases, { log: o.log, signal: o.signal, workers: o.workers, quiet: o.quiet });
  const seconds = (Date.now() - started) / 1000;
  if (run.stopped) return { rows: 0, bytes: 0, stats: {}, skipped: false, stopped: true, seconds };
  const after = await outcomeOf();
  if (!after) throw new KilnError('KILN_STAGE_INCOMPLETE', `stage ${s.key} ran every phase but ${out} is not complete`, { path: out });
  // Complete before and not rewritten: the phases found nothing to do.
  const skipped = before !== undefined && before.finishedAt === after.finishedAt;
  return { rows: after.rows, bytes: after.bytes, stats: after.stats, extra: after.extra, skipped, stopped: false, seconds: skipped ? 0 : seconds };
}
