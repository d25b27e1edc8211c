// runDedupe: the whole dedupe in this process, its phases (dedupe-phases.ts: signatures,
// buckets, clusters, filter) run one after the other with worker threads, each resumable on its own:
// a run killed anywhere and started again skips what is complete and redoes only the unfinished
// piece, and every phase is deterministic, so the kept set equals an uninterrupted run's.
import os from 'node:os';
import path from 'node:path';
import { readSuccess } from '../core/dataset-manifest.js';
import { withDatasetLock } from '../core/dataset-lock.js';
import type { LockOwner } from '../core/file-lock.js';
import { requireFinishedInputs } from '../core/input-finished.js';
import { canonicalPath } from '../core/input-files.js';
import { createLogger, type Logger } from '../core/log.js';
import { prepareStage, type StageSummary } from '../core/run-stage.js';
import { runPhasesLocally } from '../core/stage-phases.js';
import type { DedupeConfigInput } from './config.js';
import { isS3Url } from '../core/storage/s3-location.js';
import { withObjectStorage, withStagedDirectory } from '../core/storage/staged-stage.js';
import { DedupeRun } from './dedupe-phases.js';
import { dedupeStage } from './dedupe-stage.js';
import { readIndex } from './index-store.js';
import { lockIndex } from './index-lock.js';
import { makeDirs } from '../core/make-dirs.js';

export interface DedupeOptions {
  /** Input datasets, directories, files or globs (Parquet or JSONL with `id` and `text`). */
  inputs: readonly string[];
  out: string;
  config?: DedupeConfigInput;
  /** Memory budget in bytes for the sort and cluster phases (default 1 GB). */
  memory?: number;
  /** Also write cluster membership here. */
  clusters?: string;
  workers?: number;
  tasks?: number;
  overwrite?: boolean;
  /** Keep the intermediate state (signatures, runs) after success; default: delete it. */
  keepState?: boolean;
  /** Read unfinished kiln datasets as inputs (default: refused). */
  allowPartial?: boolean;
  /** Wait for another run writing `out` instead of failing with KILN_OUTPUT_LOCKED. */
  wait?: boolean;
  onWait?: (owner: LockOwner) => void;
  signal?: AbortSignal;
  log?: Logger;
  quiet?: boolean;
}

export interface DedupeSummary {
  out: string;
  skipped: boolean;
  stopped: boolean;
  documents: number;
  kept: number;
  dropped_exact: number;
  dropped_near: number;
  index?: { dir: string; generations: number; added?: string };
  clusters?: string;
  stats: Record<string, unknown>;
  seconds: number;
}

/** Memory budget of the band runs and clustering when none is given (1 GB). */
export const DEFAULT_DEDUPE_MEMORY = 1e9;

function summaryOf(out: string, s: Pick<StageSummary, 'skipped' | 'stopped' | 'stats' | 'extra'>, started: number, extra: Partial<DedupeSummary> = {}): DedupeSummary {
  const kept = s.stats.kept ?? 0;
  const dropped_exact = s.stats.dropped_exact ?? 0;
  const dropped_near = s.stats.dropped_near ?? 0;
  return {
    out,
    skipped: s.skipped,
    stopped: s.stopped,
    documents: kept + dropped_exact + dropped_near,
    kept,
    dropped_exact,
    dropped_near,
    stats: { ...s.stats, ...(s.extra ?? {}) },
    seconds: (Date.now() - started) / 1000,
    ...extra,
  };
}

/** Runs (or resumes) exact + near-duplicate removal of `inputs` into `out`. */
export async function runDedupe(opts: DedupeOptions): Promise<DedupeSummary> {
  const index = opts.config?.index ?? undefined;
  if (isS3Url(opts.out) || opts.inputs.some(isS3Url) || (index !== undefined && isS3Url(index))) {
    // Object storage: inputs and output staged (withObjectStorage), and an s3:// index leased,
    // copied down as the server holds it, updated by this run and published back with
    // index.json last (its commit point: generations it does not list are never read).
    const staged = await withObjectStorage(opts.inputs, opts.out, (inputs, out) =>
      index === undefined
        ? runDedupeHere({ ...opts, inputs, out })
        : withStagedDirectory(index, { mirror: true, last: (k) => k === 'index.json' }, (dir) => runDedupeHere({ ...opts, inputs, out, config: { ...opts.config, index: dir } })),
    );
    return { ...staged, out: opts.out, index: staged.index && index !== undefined ? { ...staged.index, dir: index } : staged.index };
  }
  return runDedupeHere(opts);
}

/** runDedupe on local (or already staged) paths. */
async function runDedupeHere(opts: DedupeOptions): Promise<DedupeSummary> {
  const out = await canonicalPath(opts.out);
  const log = opts.log ?? createLogger();
  // One writer for the whole run: every phase below (and the stages it runs on `out`) holds it.
  await makeDirs(out);
  return withDatasetLock(out, { wait: opts.wait, signal: opts.signal, log, onWait: opts.onWait }, () => runDedupeLocked(opts, out, log));
}

async function runDedupeLocked(opts: DedupeOptions, out: string, log: Logger): Promise<DedupeSummary> {
  const started = Date.now();
  if (!opts.allowPartial) await requireFinishedInputs(opts.inputs);
  const memory = opts.memory ?? DEFAULT_DEDUPE_MEMORY;
  const run = await DedupeRun.open({ ...opts, out, memory, indexLocked: true });
  const indexDir = run.indexDir;
  // The output's manifest first (a changed config fails before any work); a finished output is skipped.
  await prepareStage(dedupeStage, { inputs: opts.inputs, out, config: run.config, tasks: opts.tasks, overwrite: opts.overwrite, allowPartial: opts.allowPartial, log });
  const success = await readSuccess(out);
  if (success) {
    return summaryOf(out, { skipped: true, stopped: false, stats: success.stats, extra: success.extra }, started, { index: indexDir ? { dir: indexDir, generations: 0 } : undefined });
  }
  // One process: the index lock is held for the whole run (phases on many nodes take it in the clusters task).
  const unlock = indexDir ? await lockIndex(indexDir) : undefined;
  try {
    const workers = opts.workers ?? defaultWorkers(memory);
    const outcome = await runPhasesLocally(run.phases(), { log, signal: opts.signal, workers, quiet: opts.quiet });
    const done = await readSuccess(out);
    if (outcome.stopped || !done) return summaryOf(out, { skipped: false, stopped: true, stats: {} }, started);
    const generations = indexDir ? (await readIndex(indexDir, { ngram: run.config.ngram, bands: run.config.bands, rows: run.config.rows })).generations.length : 0;
    return summaryOf(out, { skipped: false, stopped: false, stats: done.stats, extra: done.extra }, started, {
      index: indexDir ? { dir: indexDir, generations, added: run.added } : undefined,
      clusters: opts.clusters ? (isS3Url(opts.clusters) ? opts.clusters : path.resolve(opts.clusters)) : undefined,
    });
  } finally {
    await unlock?.();
  }
}

/**
 * Worker threads by default: one per core, but no more than the memory budget carries. A filter
 * worker peaks at ~200 MB (a 32 MiB chunk of text is copied ~4x while it becomes a ZSTD Parquet
 * part: UTF-8 buffer, Arrow IPC, parquet-wasm table, output), so 1 GB allows 5 workers.
 */
export function defaultWorkers(memoryBytes: number): number {
  return Math.max(1, Math.min(os.availableParallelism(), Math.floor(memoryBytes / 200e6)));
}
