import { promises as fs } from 'node:fs';
import { readJsonIfExists, writeFileAtomic } from './atomic-file.js';
import type { ColumnSpec } from './columns.js';
import { layout } from './dataset-layout.js';
import { CorruptPartError } from './errors.js';
import type { TaskPlan } from './stage.js';
import { makeDirs } from './make-dirs.js';

/** `_kiln/dataset.json`: everything needed to run, resume or check any task of a dataset. */
export interface DatasetManifest {
  format: 1;
  stage: string;
  /** Module exporting the stage (worker threads and `kiln task` import it). */
  module: string;
  config: unknown;
  configHash: string;
  inputs: string[];
  /** Paths and sizes of the input files when the dataset was planned. */
  inputFingerprint: string;
  taskCount: number;
  tasks: TaskPlan[];
  columns: ColumnSpec[];
  createdAt: string;
}

/** `_kiln/done/TTTTT`: a finished task's totals. */
export interface DoneMarker {
  task: number;
  rows: number;
  bytes: number;
  chunks: number;
  stats: Record<string, number>;
  seconds: number;
}

/** `_kiln/SUCCESS.json`: the whole stage finished. */
export interface SuccessRecord {
  stage: string;
  configHash: string;
  tasks: number;
  rows: number;
  bytes: number;
  stats: Record<string, number>;
  extra?: Record<string, unknown>;
  seconds: number;
  finishedAt: string;
}

/** Reads a dataset's manifest, or undefined when the directory is not a kiln dataset. */
export async function readManifest(dir: string): Promise<DatasetManifest | undefined> {
  try {
    return await readJsonIfExists<DatasetManifest>(layout.datasetJson(dir));
  } catch (err) {
    throw new CorruptPartError(`unreadable ${layout.datasetJson(dir)}: ${(err as Error).message}`, { path: layout.datasetJson(dir) }, { cause: err });
  }
}

/** Writes the manifest atomically (creating `_kiln/`). */
export async function writeManifest(dir: string, manifest: DatasetManifest): Promise<void> {
  await makeDirs(layout.meta(dir));
  await writeFileAtomic(layout.datasetJson(dir), JSON.stringify(manifest, null, 1));
}

/** The done marker of a task, if it finished. */
export async function readDone(dir: string, task: number): Promise<DoneMarker | undefined> {
  return readJsonIfExists<DoneMarker>(layout.doneMarker(dir, task));
}

/** SUCCESS.json, if the stage finished. */
export async function readSuccess(dir: string): Promise<SuccessRecord | undefined> {
  return readJsonIfExists<SuccessRecord>(layout.success(dir));
}
