import type { z } from 'zod';
import type { Logger } from '../core/log.js';
import type { StagePhases } from '../core/stage-phases.js';
import type { StageState } from './stage-state.js';

/** What a composite stage's run gets from the pipeline runner. */
export interface CompositeRunOptions<C> {
  inputs: string[];
  out: string;
  config: C;
  tasks?: number;
  workers?: number;
  overwrite?: boolean;
  signal?: AbortSignal;
  log: Logger;
  quiet?: boolean;
}

/** What a composite stage's run did (the fields of core's StageSummary a pipeline reports). */
export interface CompositeSummary {
  rows: number;
  bytes: number;
  stats: Record<string, number>;
  skipped: boolean;
  stopped: boolean;
  seconds: number;
  extra?: Record<string, unknown>;
}

/**
 * A stage with its own run function instead of one defineStage: multi-phase stages (dedupe:
 * signatures, buckets, clusters, filter) and stages that write no documents dataset (train). The runner
 * calls `run` locally; on Slurm it is one job. It resumes and skips on its own.
 */
export interface CompositeStage<C = unknown> {
  kind: 'composite';
  name: string;
  /** The config a pipeline file gives (inputs and output come from the runner). */
  config: z.ZodType<C>;
  run(options: CompositeRunOptions<C>): Promise<CompositeSummary>;
  /** What is on disk for `out`; default: a kiln dataset's state. */
  state?(out: string, config: C): Promise<StageState>;
  /** Incremental pipelines: make a finished output runnable again for a new generation (re-crawl). */
  reopen?(out: string): Promise<void>;
  /**
   * The stage as phases (core/stage-phases.ts), for executors that spread each phase's tasks
   * (Slurm: a plan job, an array, a finalize job per phase). Without it the stage is one job.
   */
  phases?: CompositePhases<C>;
}

/** A phase's name and shape, known before the run (the Slurm executor sizes arrays at submit time). */
export interface PhaseShape {
  name: string;
  /** Always one task (e.g. dedupe's clusters): its array has one element whatever `tasks` says. */
  single?: boolean;
}

/** A composite stage's phases: their names up front, then the phases of one run. */
export interface CompositePhases<C> {
  shapes: PhaseShape[];
  /** `phaseTasks`: task count of single phases by name, over `tasks`. */
  open(options: CompositeRunOptions<C> & { phaseTasks?: Record<string, number> }): Promise<StagePhases>;
}

/** True for CompositeStage values. */
export function isComposite(value: unknown): value is CompositeStage {
  const v = value as CompositeStage | undefined;
  return !!v && typeof v === 'object' && v.kind === 'composite' && typeof v.name === 'string' && typeof v.run === 'function';
}

/** Declares a composite stage (see CompositeStage). */
export function defineCompositeStage<C>(def: Omit<CompositeStage<C>, 'kind'>): CompositeStage<C> {
  return { kind: 'composite', ...def };
}
