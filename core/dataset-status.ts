import { promises as fs } from 'node:fs';
import { readJsonIfExists } from './atomic-file.js';
import { readCommits } from './commit-record.js';
import { layout } from './dataset-layout.js';
import { readManifest, readSuccess } from './dataset-manifest.js';
import { UsageError } from './errors.js';

/** Progress of one dataset: which tasks are done, pending or failed. */
export interface DatasetStatus {
  dir: string;
  stage: string;
  tasks: number;
  done: number[];
  pending: number[];
  failed: { task: number; code: string; message: string }[];
  rows: number;
  bytes: number;
  complete: boolean;
  lastCommitAt?: string;
  finishedAt?: string;
}

async function listNumbers(dir: string): Promise<number[]> {
  try {
    return (await fs.readdir(dir)).filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [];
  }
}

/** Reads the status of a kiln dataset directory. */
export async function datasetStatus(dir: string): Promise<DatasetStatus> {
  const manifest = await readManifest(dir);
  if (!manifest) throw new UsageError(`not a kiln dataset (no _kiln/dataset.json): ${dir}`, { path: dir });
  const done = new Set(await listNumbers(layout.done(dir)));
  const failedIds = (await listNumbers(layout.failed(dir))).filter((t) => !done.has(t));
  const failed = [];
  for (const t of failedIds) {
    const f = await readJsonIfExists<{ code: string; message: string }>(layout.failedMarker(dir, t));
    failed.push({ task: t, code: f?.code ?? 'KILN_UNKNOWN', message: f?.message ?? '' });
  }
  const commits = await readCommits(dir);
  const success = await readSuccess(dir);
  const all = manifest.tasks.map((t) => t.index);
  return {
    dir,
    stage: manifest.stage,
    tasks: manifest.taskCount,
    done: all.filter((t) => done.has(t)),
    pending: all.filter((t) => !done.has(t) && !failedIds.includes(t)),
    failed,
    rows: commits.reduce((s, c) => s + c.rows, 0),
    bytes: commits.reduce((s, c) => s + c.bytes, 0),
    complete: !!success,
    lastCommitAt: commits.map((c) => c.committedAt).sort().at(-1),
    finishedAt: success?.finishedAt,
  };
}
