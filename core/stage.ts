import type { z } from 'zod';
import type { ColumnSpec } from './columns.js';
import type { Row } from './document.js';
import type { InputFile } from './input-files.js';
import type { Logger } from './log.js';
import type { Stats } from './stats.js';
import type { ChunkLimits, TaskWriter } from './task-writer.js';

/** One task's share of the work; JSON, stored in dataset.json so any process can run the task. */
export interface TaskPlan {
  index: number;
  inputs: InputFile[];
  [extra: string]: unknown;
}

/** What `plan` gets: the validated config, the inputs as given and the requested task count. */
export interface PlanContext<C> {
  config: C;
  inputs: readonly string[];
  out: string;
  /** Task count the user asked for; undefined = choose from the input size. */
  tasks?: number;
  log: Logger;
}

/** What a running task gets. */
export interface TaskContext<C> {
  config: C;
  task: TaskPlan;
  taskCount: number;
  out: string;
  writer: TaskWriter;
  stats: Stats;
  log: Logger;
  /** Keeps a dropped row, with why, in the excluded dataset (`<out>/excluded/`); a no-op unless the stage writes one. */
  exclude(row: Row, reason: string): void;
  /** Reports rows and bytes processed since the last call. */
  progress(rows: number, bytes?: number): void;
  /** Aborted on SIGTERM: commit what is buffered and return. */
  signal: AbortSignal;
}

/** What `finalize` gets, after every task is done. */
export interface FinalizeContext<C> {
  config: C;
  out: string;
  tasks: TaskPlan[];
  stats: Record<string, number>;
  log: Logger;
}

/** A stage: a name, a config schema, an output schema and either a `map` or a `runTask`. */
export interface StageDefinition<C = unknown> {
  name: string;
  /** `import.meta.url` of the module exporting this stage: worker threads import it to run tasks. */
  module: string;
  config: z.ZodType<C>;
  /** Output columns (a function of the config). */
  columns: (config: C) => ColumnSpec[];
  /**
   * Columns of the excluded dataset (`<out>/excluded/`: the rows the stage dropped, each with a
   * `reason`) when the config asks for one; undefined = none. Its parts commit in lockstep with
   * the output's, so a resume never loses or repeats an excluded row either.
   */
  excludedColumns?: (config: C) => ColumnSpec[] | undefined;
  /** Splits the work into tasks; default: the input files spread over tasks by size. */
  plan?: (ctx: PlanContext<C>) => Promise<TaskPlan[]>;
  /**
   * Row-at-a-time stage: the runner reads the task's inputs in order, resumes and commits.
   * Contract: yield every output of a row before pulling the next row (a commit may happen at
   * each pull). Stages that read ahead (worker pools) use runTask and manage their cursor.
   */
  map?: (rows: AsyncIterable<Row>, ctx: TaskContext<C>) => AsyncIterable<Row>;
  /** Full control of one task: read inputs from `ctx.writer.cursor` on, push rows, commit. */
  runTask?: (ctx: TaskContext<C>) => Promise<void>;
  /** Runs once after all tasks; returns totals merged into SUCCESS.json. */
  finalize?: (ctx: FinalizeContext<C>) => Promise<Record<string, unknown> | void>;
  /** Run tasks in the calling thread (one-task stages, stages with their own worker pool). */
  inline?: boolean;
  /** Chunk limits for this stage's parts. */
  chunk?: ChunkLimits;
  /**
   * What the inputs are: datasets and files the runner reads, copying s3:// ones to local
   * staging first (default), or locations the stage opens itself (WARC files and URLs, s3://
   * ones streamed by ranged GETs rather than downloaded whole).
   */
  inputKind?: 'datasets' | 'locations';
}

/** Declares a stage; the runner gives it tasks, commits, resume and progress. */
export function defineStage<C>(def: StageDefinition<C>): StageDefinition<C> {
  if (!def.map === !def.runTask) throw new TypeError(`stage ${def.name}: give exactly one of map or runTask`);
  return def;
}

/** True for values made by defineStage (used when a worker looks a stage up in a module). */
export function isStage(value: unknown): value is StageDefinition<unknown> {
  const v = value as StageDefinition<unknown> | undefined;
  return !!v && typeof v === 'object' && typeof v.name === 'string' && typeof v.module === 'string' && typeof v.columns === 'function' && (typeof v.map === 'function' || typeof v.runTask === 'function');
}
