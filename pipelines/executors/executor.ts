import type { Logger } from '../../core/log.js';
import type { PipelinePlan } from '../pipeline-plan.js';
import type { StageReport } from '../stage-report.js';

/** What every executor gets besides the plan. */
export interface ExecuteOptions {
  log: Logger;
  signal?: AbortSignal;
  overwrite?: boolean;
  /** Slurm: submit and return without waiting. */
  detach?: boolean;
  /** Local: worker threads per stage. */
  workers?: number;
  quiet?: boolean;
}

/** Reports of the stages an executor reached, and the error that stopped it, if any. */
export interface ExecuteResult {
  reports: StageReport[];
  error?: unknown;
}

/** Runs a planned pipeline's stages in order somewhere; one report per stage reached. */
export type Executor = (plan: PipelinePlan, options: ExecuteOptions) => Promise<ExecuteResult>;

/**
 * Stages that must run: the first not done and every stage after it, since a stage that ran
 * again changes the input of all that follow (a stage that is done for unchanged input is
 * still skipped by runStage itself, in seconds).
 */
export function stagesToRun(plan: PipelinePlan): boolean[] {
  let dirty = false;
  return plan.stages.map((s) => (dirty ||= s.state.condition !== 'done'));
}
