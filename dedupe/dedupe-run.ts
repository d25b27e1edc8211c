// runDedupe: the whole dedupe, phase by phase, each resumable on its own:
//   1 signatures   (core stage on worker threads; <out>/_kiln/dedupe/signatures/)
//   2 band runs    (sorted chunks sized from --memory; runs/)
//   3-4 clusters   (merge + verify + union-find, checkpointed per band; union-find/)
//   -  clusters output (--clusters) and the index generation (--index), both idempotent
//   5 filter       (core stage writing the kept documents; SUCCESS.json last)
// A run killed anywhere and started again skips what is complete and redoes only the unfinished
// piece, and every phase is deterministic, so the kept set equals an uninterrupted run's.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '../core/atomic-file.js';
import { hashConfig } from '../core/config-hash.js';
import { readManifest, readSuccess } from '../core/dataset-manifest.js';
import { ConfigError } from '../core/errors.js';
import { withDatasetLock } from '../core/dataset-lock.js';
import type { LockOwner } from '../core/file-lock.js';
import { requireFinishedInputs } from '../core/input-finished.js';
import { canonicalPath, listInputFiles } from '../core/input-files.js';
import { createLogger, type Logger } from '../core/log.js';
import { parseStageConfig, prepareStage, runStage, type StageSummary } from '../core/run-stage.js';
import { buildBandRuns } from './band-runs.js';
import { CLUSTER_BYTES_PER_DOC, findClusters } from './clusters.js';
import { clustersStage } from './clusters-stage.js';
import { permutationsOf, type DedupeConfigInput } from './config.js';
import { dedupeStage, type DedupeStageConfig } from './dedupe-stage.js';
import { buildGeneration } from './generation-builder.js';
import { addGeneration, pinIndex, readIndex, unpinIndex, type IndexGeneration } from './index-store.js';
import { lockIndex } from './index-lock.js';
import { inferColumns } from './input-schema.js';
import type { LshParams } from './lsh.js';
import { signatureStage, type SignatureTaskPlan } from './signature-stage.js';
import { makeLayout, recordWords, signaturePath } from './signature-file.js';
import { statePaths, type LayoutFile } from './state-files.js';
import { makeDirs } from '../core/make-dirs.js';
import { timeDedupeStep } from './step-timing.js';

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

/** `run.json`: decisions fixed at a run's start so a resume makes the same ones. */
interface RunPlan {
  /** Index generations this run dedupes against (those listed when it started). */
  generations: IndexGeneration[];
  /** Name of the generation this run adds to the index. */
  generation: string;
}

const DEFAULT_MEMORY = 1e9;

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
  const out = await canonicalPath(opts.out);
  const log = opts.log ?? createLogger();
  // One writer for the whole run: every phase below (and the stages it runs on `out`) holds it.
  await makeDirs(out);
  return withDatasetLock(out, { wait: opts.wait, signal: opts.signal, log, onWait: opts.onWait }, () => runDedupeLocked(opts, out, log));
}

async function runDedupeLocked(opts: DedupeOptions, out: string, log: Logger): Promise<DedupeSummary> {
  const started = Date.now();
  if (!opts.allowPartial) await requireFinishedInputs(opts.inputs);
  const memory = opts.memory ?? DEFAULT_MEMORY;
  const indexDir = opts.config?.index ? path.resolve(opts.config.index) : null;
  const files = await listInputFiles(opts.inputs);
  const existing = await readManifest(out);
  // The schema is part of the config; a resume reuses the recorded one rather than re-sampling.
  const columns = existing?.stage === dedupeStage.name && !opts.overwrite ? (existing.config as DedupeStageConfig).columns : await inferColumns(files);
  const config = parseStageConfig(dedupeStage, { ...opts.config, index: indexDir, columns });
  const lsh: LshParams | null = config.exactOnly ? null : { bands: config.bands, rows: config.rows };
  const workers = opts.workers ?? defaultWorkers(memory);
  const stageOpts = { inputs: opts.inputs, out, config, tasks: opts.tasks, workers, overwrite: opts.overwrite, allowPartial: opts.allowPartial, signal: opts.signal, log, quiet: opts.quiet };
  await prepareStage(dedupeStage, stageOpts);
  const success = await readSuccess(out);
  if (success) {
    return summaryOf(out, { skipped: true, stopped: false, stats: success.stats, extra: success.extra }, started, { index: indexDir ? { dir: indexDir, generations: 0 } : undefined });
  }
  const paths = statePaths(out);
  await makeDirs(paths.dir);
  const unlock = indexDir ? await lockIndex(indexDir) : undefined;
  try {
    return await runPhases(opts, { out, log, memory, indexDir, config, lsh, workers, stageOpts, paths, started });
  } finally {
    await unlock?.();
  }
}

interface RunContext {
  out: string;
  log: Logger;
  memory: number;
  indexDir: string | null;
  config: DedupeStageConfig;
  lsh: LshParams | null;
  workers: number;
  stageOpts: Parameters<typeof runStage>[1];
  paths: ReturnType<typeof statePaths>;
  started: number;
}

async function runPhases(opts: DedupeOptions, ctx: RunContext): Promise<DedupeSummary> {
  const { out, log, memory, indexDir, config, lsh, workers, stageOpts, paths, started } = ctx;

  let plan = await readJsonIfExists<RunPlan>(paths.run);
  if (!plan) {
    const index = indexDir ? await readIndex(indexDir, { ngram: config.ngram, bands: config.bands, rows: config.rows }) : undefined;
    plan = { generations: index?.generations ?? [], generation: `gen-${Date.now().toString(36)}-${hashConfig(out).slice(0, 8)}` };
    await writeFileAtomic(paths.run, JSON.stringify(plan, null, 1));
  }
  // Until this run finishes, compaction must leave the generations it planned with alone.
  if (indexDir) await pinIndex(indexDir, { generation: plan.generation, out });

  // 1. Signatures.
  const P = permutationsOf(config);
  const sig = await timeDedupeStep(log, 'signatures', () => runStage(signatureStage, {
    inputs: opts.inputs,
    out: paths.signatures,
    config: { ngram: config.ngram, permutations: P, exactOnly: config.exactOnly },
    tasks: opts.tasks,
    workers,
    allowPartial: opts.allowPartial,
    signal: opts.signal,
    log,
    quiet: opts.quiet,
  }));
  if (sig.stopped) return summaryOf(out, { skipped: false, stopped: true, stats: {} }, started);

  const sigManifest = (await readManifest(paths.signatures))!;
  const fileCount = sigManifest.tasks.reduce((s, t) => s + t.inputs.length, 0);
  const sigFiles = Array.from({ length: fileCount }, (_, i) => signaturePath(paths.signatures, i));
  const recBytes = recordWords(P) * 4;
  const rows = await Promise.all(sigFiles.map(async (f) => (await fs.stat(f)).size / recBytes));
  for (const t of sigManifest.tasks as SignatureTaskPlan[]) if (t.fileIndexes.length !== t.inputs.length) throw new ConfigError(`signature plan of ${paths.signatures} is inconsistent`, { path: paths.signatures });
  const layout = makeLayout(sigFiles, rows);
  await writeFileAtomic(paths.layout, JSON.stringify({ starts: layout.starts, rows: layout.rows } satisfies LayoutFile));

  // The cluster phase's arrays are the one cost that grows with the corpus (6 B/document); refuse
  // up front, with the number, rather than failing deep into the run.
  const clusterBytes = layout.total * CLUSTER_BYTES_PER_DOC;
  if (clusterBytes > memory * 0.8) {
    throw new ConfigError(`${layout.total} documents need ${Math.ceil(clusterBytes / 1e6)} MB for clustering (${CLUSTER_BYTES_PER_DOC} B each), more than 80% of --memory ${Math.round(memory / 1e6)} MB; raise --memory`);
  }

  // 2. Sorted band runs. 3-4. Collisions, verification, union-find.
  let decisions: Uint8Array;
  if (await fs.stat(paths.decisions).then(() => true, () => false)) {
    decisions = new Uint8Array(await fs.readFile(paths.decisions));
  } else {
    const chunks = await timeDedupeStep(log, 'buckets', () => buildBandRuns({ runsDir: paths.runs, layout, lsh, memoryBytes: memory, log }));
    if (opts.signal?.aborted) return summaryOf(out, { skipped: false, stopped: true, stats: {} }, started);
    const result = await timeDedupeStep(log, 'clusters', () => findClusters({
      ufDir: paths.uf,
      layout,
      chunks,
      lsh,
      threshold: config.threshold,
      keep: config.keep,
      maxCandidates: config.maxCandidates,
      index: indexDir ? { dir: indexDir, generations: plan.generations } : undefined,
      memoryBytes: memory,
      log,
    }));
    decisions = result.decisions;
    await writeFileAtomic(paths.clusterStats, JSON.stringify({ ...result.stats, documents: layout.total, index_generations: plan.generations.length }));
    await writeFileAtomic(paths.clusterSizes, JSON.stringify(result.clusterSizes));
    await writeFileAtomic(paths.roots, new Uint8Array(result.roots.buffer, 0, result.roots.byteLength));
    // decisions.bin is written last: its presence means this whole phase is complete.
    await writeFileAtomic(paths.decisions, decisions);
  }

  // Cluster membership for inspection.
  let clustersOut: string | undefined;
  if (opts.clusters) {
    clustersOut = path.resolve(opts.clusters);
    const c = await runStage(clustersStage, {
      inputs: opts.inputs,
      out: clustersOut,
      config: { dedupeOut: out, configHash: hashConfig({ config, generations: plan.generations.map((g) => g.name) }) },
      tasks: opts.tasks,
      workers,
      overwrite: true,
      allowPartial: opts.allowPartial,
      signal: opts.signal,
      log,
      quiet: opts.quiet,
    });
    if (c.stopped) return summaryOf(out, { skipped: false, stopped: true, stats: {} }, started);
  }

  // The run's survivors join the index before the output is declared complete, so a kill
  // between the two cannot leave a finished output whose documents the index lacks.
  let added: string | undefined;
  if (indexDir) {
    // Complete already (DONE.json): this only lists the chunks.
    const chunks = await buildBandRuns({ runsDir: paths.runs, layout, lsh, memoryBytes: memory, log });
    const gen = await addGeneration(indexDir, { ngram: config.ngram, bands: config.bands, rows: config.rows }, { name: plan.generation, near: !config.exactOnly, addedBy: out }, async (dir) =>
      buildGeneration(dir, { layout, chunks, lsh, decisions }),
    );
    added = gen.name;
  }

  // 5. Filter: the kept documents become the output; SUCCESS.json is written last.
  const final = await timeDedupeStep(log, 'filter', () => runStage(dedupeStage, stageOpts));
  if (!final.stopped && indexDir) await unpinIndex(indexDir, plan.generation);
  if (!final.stopped && !opts.keepState) {
    for (const p of [paths.signatures, paths.runs, paths.uf, paths.roots]) await fs.rm(p, { recursive: true, force: true });
  }
  return summaryOf(out, final, started, {
    index: indexDir ? { dir: indexDir, generations: plan.generations.length + (added ? 1 : 0), added } : undefined,
    clusters: clustersOut,
  });
}

/**
 * Worker threads by default: one per core, but no more than the memory budget carries. A filter
 * worker peaks at ~200 MB (a 32 MiB chunk of text is copied ~4x while it becomes a ZSTD Parquet
 * part: UTF-8 buffer, Arrow IPC, parquet-wasm table, output), so 1 GB allows 5 workers.
 */
export function defaultWorkers(memoryBytes: number): number {
  return Math.max(1, Math.min(os.availableParallelism(), Math.floor(memoryBytes / 200e6)));
}
