// A pipeline stage is a list of phases (core/stage-phases.ts): the built-in stages declare theirs
// here (dedupe: signatures, clusters, filter; shard: scatter, pack; train: one single-task phase),
// and a custom defineStage stage is the one-phase case (`phasedOf`), unchanged for its author.
// The local executor, the pipeline runner and the Slurm executor see only this shape: per phase
// a plan, tasks anywhere, a finalize.
import type { z } from 'zod';
import { readSuccess } from '../core/dataset-manifest.js';
import type { Logger } from '../core/log.js';
import { stagePhasesOf, type StagePhases } from '../core/stage-phases.js';
import { isStage, type StageDefinition } from '../core/stage.js';
import type { StageState } from './stage-state.js';

/** A phase's name and shape, known before the run (the Slurm executor sizes arrays at submit time). */
export interface PhaseShape {
  name: string;
  /** Always one task (dedupe's clusters, train): its array has one element whatever `tasks` says. */
  single?: boolean;
  /**
   * Its plan is safe to run in every task at once (a core stage's manifest: deterministic and
   * written atomically), so the Slurm executor submits no plan job for it (but with --overwrite).
   */
  selfPlanning?: boolean;
  /**
   * Task count when neither the phase nor the stage sets one, on every executor (over
   * `slurm.tasks`): the live crawl splits its hosts into tasks only when asked, so its output is
   * the same locally and on a cluster.
   */
  defaultTasks?: number;
}

/** What opening a stage's phases gets from the pipeline runner. */
export interface PhasedStageOptions<C> {
  inputs: readonly string[];
  out: string;
  config: C;
  /** Task count of the many-task phases; default chosen by the stage. */
  tasks?: number;
  /** Task count of one phase by name, over `tasks` (`slurm.phases.NAME.tasks`). */
  phaseTasks?: Record<string, number>;
  /** Replace an output made with another config (the first phase's plan does it). */
  overwrite?: boolean;
  log: Logger;
  signal?: AbortSignal;
}

/** What a finished stage output holds, for the run's report. */
export interface StageOutcome {
  rows: number;
  bytes: number;
  stats: Record<string, number>;
  extra?: Record<string, unknown>;
  /** When it was declared complete: unchanged across a run = the run found it done (skipped). */
  finishedAt?: string;
}

/** A pipeline stage as phases. */
export interface PhasedStage<C = unknown> {
  kind: 'phased';
  name: string;
  /** The config a pipeline file gives (inputs and output come from the runner). */
  config: z.ZodType<C>;
  shapes: PhaseShape[];
  /** The phases of one run over `out` (opening one runs nothing). */
  open(options: PhasedStageOptions<C>): Promise<StagePhases>;
  /** What the finished output holds; default: its SUCCESS.json. */
  outcome?(out: string, config: C): Promise<StageOutcome | undefined>;
  /** What is on disk for `out`; default: a kiln dataset's state. */
  state?(out: string, config: C): Promise<StageState>;
  /** Incremental pipelines: make a finished output runnable again for a new generation (re-crawl). */
  reopen?(out: string): Promise<void>;
}

/** Declares a stage as phases (see PhasedStage). */
export function definePhasedStage<C>(def: Omit<PhasedStage<C>, 'kind'>): PhasedStage<C> {
  return { kind: 'phased', ...def };
}

/** True for PhasedStage values. */
export function isPhasedStage(value: unknown): value is PhasedStage {
  const v = value as PhasedStage | undefined;
  return !!v && typeof v === 'object' && v.kind === 'phased' && typeof v.name === 'string' && typeof v.open === 'function' && Array.isArray(v.shapes);
}

/** The outcome recorded in a kiln dataset's SUCCESS.json (undefined while it is unfinished). */
export async function datasetOutcome(out: string): Promise<StageOutcome | undefined> {
  const s = await readSuccess(out);
  return s && { rows: s.rows, bytes: s.bytes, stats: s.stats, extra: s.extra, finishedAt: s.finishedAt };
}

const wrapped = new WeakMap<object, PhasedStage>();

/** Any pipeline stage as phases: a defineStage stage is one phase named `tasks`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function phasedOf<C>(stage: StageDefinition<C> | PhasedStage<C>): PhasedStage<any> {
  if (isPhasedStage(stage)) return stage;
  if (!isStage(stage)) throw new TypeError(`not a stage: ${String((stage as { name?: unknown }).name)}`);
  let p = wrapped.get(stage);
  if (!p) {
    const core = stage as StageDefinition<unknown>;
    p = definePhasedStage<unknown>({
      name: core.name,
      config: core.config,
      shapes: [{ name: 'tasks', selfPlanning: true }],
      open: async (o) => stagePhasesOf(core, { inputs: o.inputs, out: o.out, config: o.config, tasks: o.phaseTasks?.tasks ?? o.tasks, overwrite: o.overwrite }),
    });
    wrapped.set(stage, p);
  }
  return p;
}
