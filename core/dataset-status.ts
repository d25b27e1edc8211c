import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists } from './atomic-file.js';
import { readCommits } from './commit-record.js';
import { layout } from './dataset-layout.js';
import { type DatasetManifest, readManifest, readSuccess } from './dataset-manifest.js';
import { UsageError } from './errors.js';
import { SHARD_INDEX_FILE, type ShardIndex, parseShardIndex } from './shard-index.js';

/** Progress of one dataset: which tasks are done, pending or failed. */
export interface DatasetStatus {
  dir: string;
  /** What `dir` holds: a kiln dataset, a shards directory (`kiln shard`) or a train run (`kiln train`). */
  kind: 'dataset' | 'shards' | 'train';
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
  /** Shards directories: generations and shard files; `rows` counts sequences, `bytes` shard bytes. */
  shards?: { generations: number; files: number; tokens: number };
  /** Train runs: `rows` is the last step logged, `bytes` the newest checkpoint's size. */
  train?: { step: number; targetSteps?: number; checkpoint?: { step: number; dir: string; bytes: number } };
}

async function listNumbers(dir: string): Promise<number[]> {
  try {
    return (await fs.readdir(dir)).filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [];
  }
}

/** The index.json of a shards directory, or undefined when `dir` has none. */
export async function readShardIndexIn(dir: string): Promise<ShardIndex | undefined> {
  const file = path.join(dir, SHARD_INDEX_FILE);
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });
  return text === undefined ? undefined : parseShardIndex(text, file);
}

/** A shards directory's status from its index; `run` is the shard stage's own task record when a pipeline ran it. */
async function shardsStatus(dir: string, index: ShardIndex, run: DatasetStatus | undefined): Promise<DatasetStatus> {
  const shards = [...index.splits.train.shards, ...index.splits.val.shards];
  // shard/run-shard.ts keeps an unpublished generation's state in _kiln/shard/gen-NNNN until it publishes.
  const unpublished = (await fs.readdir(path.join(dir, '_kiln', 'shard')).catch(() => [] as string[])).some((n) => /^gen-\d{4}$/.test(n));
  return {
    dir,
    stage: 'shard',
    tasks: 1,
    done: unpublished ? [] : [0],
    pending: unpublished ? [0] : [],
    failed: [],
    complete: !unpublished,
    finishedAt: index.generations.at(-1)?.created_at,
    ...run,
    kind: 'shards',
    rows: index.splits.train.sequences + index.splits.val.sequences,
    bytes: shards.reduce((s, x) => s + x.bytes, 0),
    shards: { generations: index.generations.length, files: shards.length, tokens: index.splits.train.tokens + index.splits.val.tokens },
  };
}

/** Size of every file directly in `dir`. */
async function dirBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) if (e.isFile()) bytes += (await fs.stat(path.join(dir, e.name))).size;
  return bytes;
}

// The layout of train/checkpoint.ts (checkpoints/step-NNNNNNNN/checkpoint.json) and train/metrics.ts
// (metrics.jsonl), read as plain JSON: train/ loads TensorFlow.js (seconds), too heavy for a status.
async function trainStatus(dir: string): Promise<DatasetStatus> {
  const text = await fs.readFile(path.join(dir, 'metrics.jsonl'), 'utf8').catch(() => '');
  let step = 0;
  for (const line of text.split('\n')) {
    try {
      const r = JSON.parse(line) as { step?: unknown; loss?: unknown };
      if (typeof r.step === 'number' && 'loss' in r) step = Math.max(step, r.step);
    } catch {
      // blank, or the last line torn by a kill
    }
  }
  const root = path.join(dir, 'checkpoints');
  const steps = (await fs.readdir(root).catch(() => [] as string[])).filter((n) => /^step-\d{8}$/.test(n)).sort();
  let checkpoint: { step: number; dir: string; bytes: number; createdAt: string; targetSteps?: number } | undefined;
  for (const name of steps.reverse()) {
    const manifest = await readJsonIfExists<{ step: number; createdAt: string; train?: { steps?: number } }>(path.join(root, name, 'checkpoint.json')).catch(() => undefined);
    if (!manifest) continue;
    checkpoint = { step: manifest.step, dir: path.join(root, name), bytes: await dirBytes(path.join(root, name)), createdAt: manifest.createdAt, targetSteps: manifest.train?.steps };
    break;
  }
  const complete = checkpoint?.targetSteps !== undefined && checkpoint.step >= checkpoint.targetSteps;
  return {
    dir,
    kind: 'train',
    stage: 'train',
    tasks: 1,
    done: complete ? [0] : [],
    pending: complete ? [] : [0],
    failed: [],
    rows: Math.max(step, checkpoint?.step ?? 0),
    bytes: checkpoint?.bytes ?? 0,
    complete,
    lastCommitAt: checkpoint?.createdAt,
    train: { step: Math.max(step, checkpoint?.step ?? 0), targetSteps: checkpoint?.targetSteps, checkpoint: checkpoint && { step: checkpoint.step, dir: checkpoint.dir, bytes: checkpoint.bytes } },
  };
}

/** True when `dir` looks like a `kiln train` run directory (checkpoints/ or metrics.jsonl). */
export async function isTrainRun(dir: string): Promise<boolean> {
  const has = (name: string): Promise<boolean> => fs.stat(path.join(dir, name)).then(() => true, () => false);
  return (await has('checkpoints')) || (await has('metrics.jsonl'));
}

/** Reads the status of a kiln dataset, a shards directory or a train run directory. */
export async function datasetStatus(dir: string): Promise<DatasetStatus> {
  const manifest = await readManifest(dir);
  const index = await readShardIndexIn(dir);
  // A pipeline's shard stage also keeps task records (with no parts): its rows are the index's sequences.
  if (index) return shardsStatus(dir, index, manifest && (await kilnDatasetStatus(dir, manifest)));
  if (manifest) return kilnDatasetStatus(dir, manifest);
  if (await isTrainRun(dir)) return trainStatus(dir);
  throw new UsageError(`not a kiln dataset, shards directory or train run (no _kiln/dataset.json, index.json or checkpoints/): ${dir}`, { path: dir });
}

async function kilnDatasetStatus(dir: string, manifest: DatasetManifest): Promise<DatasetStatus> {
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
    kind: 'dataset',
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
