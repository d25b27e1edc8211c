import path from 'node:path';

/** Where each file of a dataset lives (DESIGN.md, "The data model"). */
export const layout = {
  meta: (dir: string) => path.join(dir, '_kiln'),
  datasetJson: (dir: string) => path.join(dir, '_kiln', 'dataset.json'),
  success: (dir: string) => path.join(dir, '_kiln', 'SUCCESS.json'),
  commits: (dir: string) => path.join(dir, '_kiln', 'commits'),
  done: (dir: string) => path.join(dir, '_kiln', 'done'),
  failed: (dir: string) => path.join(dir, '_kiln', 'failed'),
  commit: (dir: string, task: number, chunk: number) => path.join(dir, '_kiln', 'commits', `${pad5(task)}-${pad4(chunk)}.json`),
  doneMarker: (dir: string, task: number) => path.join(dir, '_kiln', 'done', pad5(task)),
  failedMarker: (dir: string, task: number) => path.join(dir, '_kiln', 'failed', pad5(task)),
  part: (dir: string, task: number, chunk: number) => path.join(dir, partName(task, chunk)),
  /** The excluded dataset of a stage that keeps its dropped rows: a kiln dataset of its own. */
  excluded: (dir: string) => path.join(dir, 'excluded'),
  /** Stage-private state (indexes, sorted runs, crawl store). */
  stageState: (dir: string, stage: string) => path.join(dir, '_kiln', stage),
};

function pad5(n: number): string {
  return String(n).padStart(5, '0');
}
function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

/** File name of task `task`'s chunk `chunk`. */
export function partName(task: number, chunk: number): string {
  return `part-${pad5(task)}-${pad4(chunk)}.parquet`;
}

/**
 * Where a part waits between its write and its commit: a hidden name that no `*.parquet` glob
 * (DuckDB, pyarrow, Spark) matches, so readers of the directory never see uncommitted rows.
 */
export function pendingPartName(file: string): string {
  return `.${file}.pending`;
}

/** The part file name a pending name stands for, or undefined for any other name. */
export function parsePendingName(name: string): string | undefined {
  return name.startsWith('.') && name.endsWith('.pending') ? name.slice(1, -'.pending'.length) : undefined;
}

const PART_RE = /^part-(\d{5,})-(\d{4,})\.parquet$/;

/** Task and chunk of a part file name, or undefined for any other name. */
export function parsePartName(name: string): { task: number; chunk: number } | undefined {
  const m = PART_RE.exec(name);
  return m ? { task: Number(m[1]), chunk: Number(m[2]) } : undefined;
}

const COMMIT_RE = /^(\d{5,})-(\d{4,})\.json$/;

/** Task and chunk of a commit record file name. */
export function parseCommitName(name: string): { task: number; chunk: number } | undefined {
  const m = COMMIT_RE.exec(name);
  return m ? { task: Number(m[1]), chunk: Number(m[2]) } : undefined;
}
