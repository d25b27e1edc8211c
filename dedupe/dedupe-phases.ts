// Dedupe as phases (core/stage-phases.ts), so that each can be spread over many processes/nodes:
//   signatures  one task per input part group (core stage); finalize writes layout.json
//   buckets     one task per band range (core stage, bucket-stage.ts): reads every signature
//               file's slice of its bands, writes them as sorted runs (band-runs.ts)
//   clusters    one task: merges each band's runs, verifies candidates, union-find, decisions.bin,
//               the index generation (it is small: 6 B per document); finalize writes --clusters
//   filter      one task per input part group (core stage writing the kept documents); finalize
//               writes SUCCESS.json, unpins the index and deletes the state
// Every task is deterministic and commits through core's protocol, so tasks run in any order,
// anywhere, any number of times give the same output as runDedupe's one-process run.
//
// The persistent index: the generations to dedupe against are fixed when the signatures phase is
// planned (run.json) and pinned against compaction. A local run holds the index lock throughout;
// phases on many nodes cannot hold a lock across jobs, so the clusters task takes it and refuses
// (KILN_INDEX_PINNED) when another run added or removed a generation since the plan: its
// decisions would not see that run's documents, and both could keep the same duplicate.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '../core/atomic-file.js';
import { hashConfig } from '../core/config-hash.js';
import { readManifest, readSuccess } from '../core/dataset-manifest.js';
import { ConfigError, KilnError } from '../core/errors.js';
import { canonicalPath, listInputFiles } from '../core/input-files.js';
import type { Logger } from '../core/log.js';
import { makeDirs } from '../core/make-dirs.js';
import { parseStageConfig, prepareStage, runStage, type RunStageOptions } from '../core/run-stage.js';
import { phaseOfStage, type PhaseRunContext, type StagePhase, type StagePhases } from '../core/stage-phases.js';
import { listBandRuns } from './band-runs.js';
import { bucketStage, type BucketConfig, type BucketTaskPlan } from './bucket-stage.js';
import { timeDedupeStep } from './step-timing.js';
import { CLUSTER_BYTES_PER_DOC, findClusters } from './clusters.js';
import { clustersStage } from './clusters-stage.js';
import { permutationsOf, type DedupeConfigInput } from './config.js';
import { dedupeStage, type DedupeStageConfig } from './dedupe-stage.js';
import { buildGeneration } from './generation-builder.js';
import { addGeneration, pinIndex, readIndex, unpinIndex, type IndexGeneration } from './index-store.js';
import { lockIndex } from './index-lock.js';
import { inferColumns } from './input-schema.js';
import type { LshParams } from './lsh.js';
import { makeLayout, recordWords, signaturePath, type DocLayout } from './signature-file.js';
import { signatureStage, type SignatureTaskPlan } from './signature-stage.js';
import { statePaths, type LayoutFile } from './state-files.js';
import { isS3Url, requireLocalPath } from '../core/storage/s3-location.js';

/** Names of dedupe's phases, in order (what `kiln task --phase` takes). */
export const DEDUPE_PHASES = ['signatures', 'buckets', 'clusters', 'filter'] as const;
export type DedupePhaseName = (typeof DEDUPE_PHASES)[number];

/** The index changed between this run's plan and its clusters task. */
export class IndexMovedError extends KilnError {
  constructor(indexDir: string, detail: string) {
    super('KILN_INDEX_PINNED', `index ${indexDir} changed since this dedupe run was planned (${detail}); its decisions would miss those documents: run it again with --overwrite`, { path: indexDir });
  }
}

/** What a dedupe run is: inputs, output, config, and how the phases split. */
export interface DedupeRunOptions {
  inputs: readonly string[];
  out: string;
  config?: DedupeConfigInput;
  /** Memory budget in bytes for the band runs (all bucket tasks together) and clustering. */
  memory: number;
  /** Also write cluster membership here (the clusters phase's finalize). */
  clusters?: string;
  /** Task count of the many-task phases; default chosen from the input size (buckets: at most one per band). */
  tasks?: number;
  /** Task count of one phase (signatures, buckets, filter), over `tasks`. */
  phaseTasks?: Partial<Record<DedupePhaseName, number>>;
  overwrite?: boolean;
  keepState?: boolean;
  allowPartial?: boolean;
  /** The caller holds the index lock for the whole run (runDedupe in one process). */
  indexLocked?: boolean;
}

/** `run.json`: decisions fixed when the run is planned so every task and resume makes the same ones. */
interface RunPlan {
  /** Index generations this run dedupes against (those listed when it was planned). */
  generations: IndexGeneration[];
  /** Name of the generation this run adds to the index. */
  generation: string;
  /** --memory when planned: every bucket task and resume chunks its runs alike (absent in older runs). */
  memory?: number;
}

/** One dedupe run over `out`, as phases. */
export class DedupeRun {
  /** The index generation the clusters task added (or found added), once it ran here. */
  added?: string;

  private constructor(
    readonly options: DedupeRunOptions,
    readonly out: string,
    readonly config: DedupeStageConfig,
    readonly indexDir: string | null,
  ) {}

  /** Resolves the output and the config (a resume reuses the recorded output schema rather than re-sampling). */
  static async open(options: DedupeRunOptions): Promise<DedupeRun> {
    await makeDirs(options.out);
    const out = await canonicalPath(options.out);
    const indexDir = options.config?.index ? path.resolve(requireLocalPath(options.config.index)) : null;
    const existing = await readManifest(out);
    const columns = existing?.stage === dedupeStage.name && !options.overwrite ? (existing.config as DedupeStageConfig).columns : await inferColumns(await listInputFiles(options.inputs));
    const config = parseStageConfig(dedupeStage, { ...options.config, index: indexDir, columns });
    return new DedupeRun(options, out, config, indexDir);
  }

  get paths(): ReturnType<typeof statePaths> {
    return statePaths(this.out);
  }

  private get lsh(): LshParams | null {
    return this.config.exactOnly ? null : { bands: this.config.bands, rows: this.config.rows };
  }

  private tasksOf(phase: DedupePhaseName): number | undefined {
    return this.options.phaseTasks?.[phase] ?? this.options.tasks;
  }

  /** The filter's core-stage options (the output dataset itself). */
  private filterOptions(): Omit<RunStageOptions, 'only' | 'planOnly' | 'workers' | 'signal' | 'log' | 'quiet'> {
    return { inputs: this.options.inputs, out: this.out, config: this.config, tasks: this.tasksOf('filter'), overwrite: this.options.overwrite, allowPartial: this.options.allowPartial };
  }

  private signatureOptions(): Omit<RunStageOptions, 'only' | 'planOnly' | 'workers' | 'signal' | 'log' | 'quiet'> {
    const c = this.config;
    return { inputs: this.options.inputs, out: this.paths.signatures, config: { ngram: c.ngram, permutations: permutationsOf(c), exactOnly: c.exactOnly }, tasks: this.tasksOf('signatures'), allowPartial: this.options.allowPartial };
  }

  /** True once the output is complete (every phase then has nothing to do). */
  async done(): Promise<boolean> {
    return (await readSuccess(this.out)) !== undefined;
  }

  /** run.json (the pinned index generations); written by the signatures plan. */
  private async runPlan(): Promise<RunPlan> {
    const plan = await readJsonIfExists<RunPlan>(this.paths.run);
    if (!plan) throw new ConfigError(`dedupe state ${this.paths.run} is missing: plan the signatures phase first`, { path: this.paths.run });
    return plan;
  }

  /** The documents' dense numbering over the signature files (complete once the signatures phase is). */
  private async signatureLayout(): Promise<DocLayout> {
    const sigs = this.paths.signatures;
    const manifest = await readManifest(sigs);
    if (!manifest) throw new ConfigError(`dedupe signatures ${sigs} are missing: run the signatures phase first`, { path: sigs });
    const fileCount = manifest.tasks.reduce((s, t) => s + t.inputs.length, 0);
    for (const t of manifest.tasks as SignatureTaskPlan[]) if (t.fileIndexes.length !== t.inputs.length) throw new ConfigError(`signature plan of ${sigs} is inconsistent`, { path: sigs });
    const files = Array.from({ length: fileCount }, (_, i) => signaturePath(sigs, i));
    const recBytes = recordWords(permutationsOf(this.config)) * 4;
    const rows = await Promise.all(files.map(async (f) => (await fs.stat(f)).size / recBytes));
    return makeLayout(files, rows);
  }

  /** The phases of this run. */
  phases(): StagePhases {
    return { stage: dedupeStage.name, phases: [this.signaturesPhase(), this.bucketsPhase(), this.clustersPhase(), this.filterPhase()] };
  }

  private signaturesPhase(): StagePhase {
    const core = phaseOfStage('signatures', signatureStage, this.signatureOptions());
    return {
      name: 'signatures',
      plan: async (ctx) => {
        // The output's manifest first: a changed config fails (or, with --overwrite, is
        // replaced) before any signature is computed.
        await prepareStage(dedupeStage, { ...this.filterOptions(), log: ctx.log });
        if (await this.done()) return 0;
        const paths = this.paths;
        await makeDirs(paths.dir);
        let plan = await readJsonIfExists<RunPlan>(paths.run);
        if (!plan) {
          const c = this.config;
          const index = this.indexDir ? await readIndex(this.indexDir, { ngram: c.ngram, bands: c.bands, rows: c.rows }) : undefined;
          plan = { generations: index?.generations ?? [], generation: `gen-${Date.now().toString(36)}-${hashConfig(this.out).slice(0, 8)}`, memory: this.options.memory };
          await writeFileAtomic(paths.run, JSON.stringify(plan, null, 1));
        }
        // Until this run finishes, compaction must leave the generations it planned with alone.
        if (this.indexDir) await pinIndex(this.indexDir, { generation: plan.generation, out: this.out });
        return core.plan(ctx);
      },
      runTasks: (indices, ctx) => timeDedupeStep(ctx.log, 'signatures', () => core.runTasks(indices, ctx)),
      finalize: async (ctx) => {
        if (await this.done()) return { stopped: false };
        const fin = await core.finalize!(ctx);
        if (fin.stopped) return fin;
        const layout = await this.signatureLayout();
        await writeFileAtomic(this.paths.layout, JSON.stringify({ starts: layout.starts, rows: layout.rows } satisfies LayoutFile));
        // The cluster phase's arrays are the one cost that grows with the corpus (6 B/document):
        // refuse here, with the number, rather than deep into the clusters task.
        const clusterBytes = layout.total * CLUSTER_BYTES_PER_DOC;
        if (clusterBytes > this.options.memory * 0.8) {
          throw new ConfigError(`${layout.total} documents need ${Math.ceil(clusterBytes / 1e6)} MB for clustering (${CLUSTER_BYTES_PER_DOC} B each), more than 80% of --memory ${Math.round(this.options.memory / 1e6)} MB; raise --memory`);
        }
        return { stopped: false };
      },
    };
  }

  /** The buckets phase's core stage: its config, and its task count (default: the signatures phase's, one per band at most). */
  private async bucketCore(): Promise<StagePhase> {
    const plan = await this.runPlan();
    const c = this.config;
    const tasks = this.tasksOf('buckets') ?? (await readManifest(this.paths.signatures))?.taskCount;
    return phaseOfStage('buckets', bucketStage, {
      inputs: [this.paths.signatures],
      out: this.paths.buckets,
      config: { dedupeOut: this.out, bands: c.exactOnly ? 0 : c.bands, rows: c.rows, memory: plan.memory ?? this.options.memory } satisfies BucketConfig,
      tasks,
    });
  }

  /** The band ranges the buckets phase planned, and their sorted runs per step. */
  private async bandRuns(): Promise<string[][]> {
    const manifest = await readManifest(this.paths.buckets);
    if (!manifest || !(await readSuccess(this.paths.buckets))) throw new ConfigError(`dedupe buckets ${this.paths.buckets} are missing or incomplete: run the buckets phase first`, { path: this.paths.buckets });
    return listBandRuns(this.paths.buckets, manifest.tasks as BucketTaskPlan[]);
  }

  private bucketsPhase(): StagePhase {
    return {
      name: 'buckets',
      plan: async (ctx) => ((await this.done()) ? 0 : (await this.bucketCore()).plan(ctx)),
      runTasks: async (indices, ctx) => {
        if (await this.done()) return { stopped: false };
        const core = await this.bucketCore();
        return timeDedupeStep(ctx.log, 'buckets', () => core.runTasks(indices, ctx));
      },
      finalize: async (ctx) => ((await this.done()) ? { stopped: false } : (await this.bucketCore()).finalize!(ctx)),
    };
  }

  private clustersPhase(): StagePhase {
    return {
      name: 'clusters',
      single: true,
      plan: async () => ((await this.done()) ? 0 : 1),
      runTasks: async (indices, ctx) => {
        if (!indices.includes(0) || (await this.done())) return { stopped: false };
        const unlock = this.indexDir && !this.options.indexLocked ? await lockIndex(this.indexDir) : undefined;
        try {
          return await this.clusterTask(ctx);
        } finally {
          await unlock?.();
        }
      },
      finalize: async (ctx) => {
        if (!this.options.clusters || (await this.done())) return { stopped: false };
        const plan = await this.runPlan();
        const c = await runStage(clustersStage, {
          inputs: this.options.inputs,
          out: isS3Url(this.options.clusters) ? this.options.clusters : path.resolve(this.options.clusters),
          config: { dedupeOut: this.out, configHash: hashConfig({ config: this.config, generations: plan.generations.map((g) => g.name) }) },
          tasks: this.tasksOf('filter'),
          workers: ctx.workers,
          overwrite: true,
          allowPartial: this.options.allowPartial,
          signal: ctx.signal,
          log: ctx.log,
          quiet: ctx.quiet,
        });
        return { stopped: c.stopped };
      },
    };
  }

  /** The clusters task: decisions.bin (written last: its presence means complete), then the index generation. */
  private async clusterTask(ctx: PhaseRunContext): Promise<{ stopped: boolean }> {
    const { paths, config, lsh, indexDir } = this;
    const memory = this.options.memory;
    const log: Logger = ctx.log;
    const plan = await this.runPlan();
    const layout = await this.signatureLayout();
    let decisions: Uint8Array;
    if (await fs.stat(paths.decisions).then(() => true, () => false)) {
      decisions = new Uint8Array(await fs.readFile(paths.decisions));
    } else {
      if (indexDir) await this.checkPinned(indexDir, plan);
      const runs = await this.bandRuns();
      const result = await timeDedupeStep(log, 'clusters', () => findClusters({
        ufDir: paths.uf,
        layout,
        runs,
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
      await writeFileAtomic(paths.decisions, decisions);
    }
    // The run's survivors join the index before the output is declared complete, so a kill
    // between the two cannot leave a finished output whose documents the index lacks.
    if (indexDir) {
      const runs = await this.bandRuns();
      const gen = await addGeneration(indexDir, { ngram: config.ngram, bands: config.bands, rows: config.rows }, { name: plan.generation, near: !config.exactOnly, addedBy: this.out }, async (dir) =>
        buildGeneration(dir, { layout, runs, lsh, decisions }),
      );
      this.added = gen.name;
    }
    return { stopped: false };
  }

  /** Refuses when the index's generations are no longer those the run planned with. */
  private async checkPinned(indexDir: string, plan: RunPlan): Promise<void> {
    const c = this.config;
    const now = (await readIndex(indexDir, { ngram: c.ngram, bands: c.bands, rows: c.rows })).generations.map((g) => g.name);
    const planned = plan.generations.map((g) => g.name);
    const added = now.filter((n) => !planned.includes(n) && n !== plan.generation);
    const gone = planned.filter((n) => !now.includes(n));
    if (added.length > 0 || gone.length > 0) throw new IndexMovedError(indexDir, [added.length ? `added ${added.join(', ')}` : '', gone.length ? `removed ${gone.join(', ')}` : ''].filter(Boolean).join('; '));
  }

  private filterPhase(): StagePhase {
    const core = phaseOfStage('filter', dedupeStage, this.filterOptions());
    return {
      name: 'filter',
      plan: async (ctx) => ((await this.done()) ? 0 : core.plan(ctx)),
      runTasks: (indices, ctx) => timeDedupeStep(ctx.log, 'filter', () => core.runTasks(indices, ctx)),
      finalize: async (ctx) => {
        const fin = await core.finalize!(ctx);
        if (fin.stopped) return fin;
        const plan = await readJsonIfExists<RunPlan>(this.paths.run);
        if (this.indexDir && plan) await unpinIndex(this.indexDir, plan.generation);
        if (!this.options.keepState) {
          const p = this.paths;
          for (const dir of [p.signatures, p.buckets, p.uf, p.roots]) await fs.rm(dir, { recursive: true, force: true });
        }
        return { stopped: false };
      },
    };
  }
}
